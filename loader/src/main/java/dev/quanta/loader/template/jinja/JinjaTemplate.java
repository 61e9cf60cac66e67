package dev.quanta.loader.template.jinja;

import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A compiled Jinja2 template: our own engine for the subset of Jinja2 that chat templates use,
 * configured as Hugging Face's {@code apply_chat_template} and llama.cpp's minja configure it
 * ({@code trim_blocks}, {@code lstrip_blocks}, no trailing newline kept, no autoescape,
 * {@code loopcontrols}). Compilation reports syntax errors with line and column; rendering is
 * thread-safe (each call has its own state).
 *
 * <p>Values given in the context may be Java Maps, Lists, Strings, Numbers, Booleans and null;
 * they behave as Python dicts, lists, str, int/float, bool and None do in Jinja2 (str() of a list
 * is Python's repr, booleans print as True/False, {@code tojson} writes like {@code json.dumps}).
 */
public final class JinjaTemplate {
    private final String name;
    private final Lexer lexer;
    private final List<Ast.Node> body;

    private JinjaTemplate(String name, Lexer lexer, List<Ast.Node> body) {
        this.name = name;
        this.lexer = lexer;
        this.body = body;
    }

    /**
     * Parses {@code source}. {@code name} appears in error messages (e.g. "chat template").
     *
     * @throws JinjaException naming the line and column of a syntax error
     */
    public static JinjaTemplate compile(String name, String source) {
        Lexer lexer = new Lexer(name, source);
        try {
            return new JinjaTemplate(name, lexer, new Parser(lexer).parseTemplate());
        } catch (StackOverflowError e) {
            throw new JinjaException(name, 0, 0, "template nested too deeply");
        }
    }

    /** Renders with the current time for {@code strftime_now}. */
    public String render(Map<String, ?> context) {
        return render(context, ZonedDateTime::now);
    }

    /**
     * Renders with the given variables (they shadow the globals {@code range}, {@code namespace},
     * {@code dict}, {@code joiner}, {@code raise_exception} and {@code strftime_now}).
     *
     * @throws TemplateRaisedException when the template calls {@code raise_exception}
     * @throws JinjaException for any other error, naming the line and column
     */
    public String render(Map<String, ?> context, Supplier<ZonedDateTime> now) {
        Interpreter.Scope globals = new Interpreter.Scope(null);
        globals.vars.putAll(Builtins.globals(now));
        Interpreter.Scope scope = new Interpreter.Scope(globals);
        try {
            for (Map.Entry<String, ?> e : context.entrySet()) scope.set(e.getKey(), Py.fromJava(e.getValue()));
        } catch (Py.EvalError e) {
            throw new JinjaException(name, 0, 0, e.getMessage());
        }
        StringBuilder out = new StringBuilder();
        try {
            new Interpreter(lexer, name).render(body, scope, out);
        } catch (StackOverflowError e) {
            throw new JinjaException(name, 0, 0, "template recursion too deep");
        } catch (RuntimeException e) {
            if (e instanceof JinjaException) throw e;
            throw new JinjaException(name, 0, 0, "internal error: " + e);
        }
        return out.toString();
    }

    public String name() { return name; }
}
