package dev.quanta.loader.template.jinja;

import dev.quanta.loader.template.jinja.Ast.*;
import dev.quanta.loader.template.jinja.Py.EvalError;
import dev.quanta.loader.template.jinja.Py.Fn;
import dev.quanta.loader.template.jinja.Py.Namespace;
import dev.quanta.loader.template.jinja.Py.Tuple;
import dev.quanta.loader.template.jinja.Py.Undefined;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks the syntax tree with Jinja2's scoping: each {@code for} iteration and each macro call
 * gets its own scope (a {@code set} inside does not leak out, hence {@code namespace()}), while
 * {@code if} blocks share the enclosing one.
 */
final class Interpreter {
    /** A variable scope; lookups walk to the parent. */
    static final class Scope {
        final Map<String, Object> vars = new HashMap<>();
        final Scope parent;

        Scope(Scope parent) { this.parent = parent; }

        boolean has(String name) {
            for (Scope s = this; s != null; s = s.parent) if (s.vars.containsKey(name)) return true;
            return false;
        }

        Object get(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                Object v = s.vars.get(name);
                if (v != null || s.vars.containsKey(name)) return v;
            }
            return new Undefined(name);
        }

        void set(String name, Object value) { vars.put(name, value); }
    }

    private static final class BreakSignal extends RuntimeException {
        BreakSignal() { super(null, null, false, false); }
    }

    private static final class ContinueSignal extends RuntimeException {
        ContinueSignal() { super(null, null, false, false); }
    }

    private static final BreakSignal BREAK = new BreakSignal();
    private static final ContinueSignal CONTINUE = new ContinueSignal();
    private static final int MAX_DEPTH = 400;

    private final Lexer lexer;
    private final String name;
    private int depth;

    Interpreter(Lexer lexer, String name) {
        this.lexer = lexer;
        this.name = name;
    }

    JinjaException error(int at, String detail) {
        return lexer.error(at, detail);
    }

    // ---- statements ------------------------------------------------------------------------

    void render(List<Node> nodes, Scope scope, StringBuilder out) {
        for (Node n : nodes) render(n, scope, out);
    }

    private void render(Node node, Scope scope, StringBuilder out) {
        switch (node) {
            case Text t -> out.append(t.text());
            case Output o -> out.append(Py.str(eval(o.expr(), scope)));
            case If i -> {
                for (int k = 0; k < i.conditions().size(); k++) {
                    if (Py.truthy(eval(i.conditions().get(k), scope))) { render(i.bodies().get(k), scope, out); return; }
                }
                render(i.elseBody(), scope, out);
            }
            case For f -> out.append(runFor(f, eval(f.iterable(), scope), scope, 0));
            case Ast.Set s -> assign(s, scope);
            case SetBlock s -> {
                StringBuilder sb = new StringBuilder();
                render(s.body(), scope, sb);
                Object v = sb.toString();
                for (FilterCall fc : s.filters()) v = applyFilter(fc, v, scope);
                scope.set(s.target(), v);
            }
            case Macro m -> scope.set(m.name(), macro(m.name(), m.params(), m.defaults(), m.body(), scope, m.at()));
            case CallBlock c -> {
                Fn caller = macro("caller", c.params(), c.defaults(), c.body(), scope, c.at());
                Call call = (Call) c.call();
                List<String> kwNames = new ArrayList<>(call.kwNames());
                List<Expr> kwValues = new ArrayList<>(call.kwValues());
                Scope withCaller = new Scope(scope);
                withCaller.set(" caller", caller);
                kwNames.add("caller");
                kwValues.add(new Name(c.at(), " caller"));
                out.append(Py.str(eval(new Call(call.at(), call.callee(), call.args(), kwNames, kwValues), withCaller)));
            }
            case FilterBlock fb -> {
                StringBuilder sb = new StringBuilder();
                render(fb.body(), scope, sb);
                Object v = sb.toString();
                for (FilterCall fc : fb.filters()) v = applyFilter(fc, v, scope);
                out.append(Py.str(v));
            }
            case Break b -> throw BREAK;
            case Continue c -> throw CONTINUE;
            case Block b -> render(b.body(), scope, out);
        }
    }

    private void assign(Ast.Set s, Scope scope) {
        Object value = eval(s.value(), scope);
        if (s.attrOf() != null) {
            Object target = scope.get(s.attrOf());
            if (!(target instanceof Namespace ns)) {
                throw error(s.at(), "cannot assign attribute on non-namespace object '" + s.attrOf() + "' (" + Py.typeName(target) + ")");
            }
            ns.attrs.put(s.targets().get(0), value);
            return;
        }
        if (s.targets().size() == 1) { scope.set(s.targets().get(0), value); return; }
        List<Object> parts = unpack(value, s.targets().size(), s.at());
        for (int i = 0; i < parts.size(); i++) scope.set(s.targets().get(i), parts.get(i));
    }

    private List<Object> unpack(Object value, int n, int at) {
        List<Object> items = iterate(value, at);
        if (items.size() != n) throw error(at, "cannot unpack " + items.size() + " values into " + n + " names");
        return items;
    }

    List<Object> iterate(Object v, int at) {
        if (v instanceof List<?> l) return new ArrayList<>(l);
        if (v instanceof Map<?, ?> m) return new ArrayList<>(m.keySet());
        if (v instanceof String s) {
            List<Object> out = new ArrayList<>();
            s.codePoints().forEach(c -> out.add(new String(Character.toChars(c))));
            return out;
        }
        if (v instanceof Undefined) return new ArrayList<>();
        throw error(at, "'" + Py.typeName(v) + "' object is not iterable");
    }

    private String runFor(For f, Object iterable, Scope scope, int loopDepth) {
        List<Object> items = iterate(iterable, f.iterable().at());
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope s = new Scope(scope);
                bindTargets(f, item, s);
                if (Py.truthy(eval(f.filter(), s))) kept.add(item);
            }
            items = kept;
        }
        StringBuilder out = new StringBuilder();
        if (items.isEmpty()) {
            render(f.elseBody(), scope, out);
            return out.toString();
        }
        for (int i = 0; i < items.size(); i++) {
            Scope s = new Scope(scope);
            bindTargets(f, items.get(i), s);
            Loop loop = new Loop(items, i, loopDepth);
            if (f.recursive()) loop.recurse = (args, kw) -> {
                if (args.size() != 1) throw new EvalError("loop() takes exactly one argument");
                return runFor(f, args.get(0), scope, loopDepth + 1);
            };
            s.set("loop", loop);
            try {
                render(f.body(), s, out);
            } catch (BreakSignal b) {
                break;
            } catch (ContinueSignal c) {
                // next item
            }
        }
        return out.toString();
    }

    private void bindTargets(For f, Object item, Scope s) {
        if (f.targets().size() == 1) { s.set(f.targets().get(0), item); return; }
        List<Object> parts = unpack(item, f.targets().size(), f.at());
        for (int k = 0; k < parts.size(); k++) s.set(f.targets().get(k), parts.get(k));
    }

    /** The {@code loop} variable of a for block. */
    static final class Loop {
        final List<Object> items;
        final int index0;
        final int depth0;
        Fn recurse;

        Loop(List<Object> items, int index0, int depth0) {
            this.items = items;
            this.index0 = index0;
            this.depth0 = depth0;
        }

        Object attr(String name) {
            int n = items.size();
            return switch (name) {
                case "index" -> (long) index0 + 1;
                case "index0" -> (long) index0;
                case "revindex" -> (long) (n - index0);
                case "revindex0" -> (long) (n - index0 - 1);
                case "first" -> index0 == 0;
                case "last" -> index0 == n - 1;
                case "length" -> (long) n;
                case "depth" -> (long) depth0 + 1;
                case "depth0" -> (long) depth0;
                case "previtem" -> index0 > 0 ? items.get(index0 - 1) : new Undefined("loop.previtem");
                case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : new Undefined("loop.nextitem");
                case "cycle" -> (Fn) (args, kw) -> {
                    if (args.isEmpty()) throw new EvalError("no items for cycling given");
                    return args.get(index0 % args.size());
                };
                case "changed" -> (Fn) (args, kw) -> { throw new EvalError("loop.changed() is not supported"); };
                default -> new Undefined("loop." + name);
            };
        }
    }

    private Fn macro(String macroName, List<String> params, List<Expr> defaults, List<Node> body, Scope defScope, int at) {
        return (args, kwargs) -> {
            Scope s = new Scope(defScope);
            if (args.size() > params.size()) {
                List<Object> extra = new ArrayList<>(args.subList(params.size(), args.size()));
                s.set("varargs", extra);
            } else {
                s.set("varargs", new ArrayList<>());
            }
            Map<Object, Object> extraKw = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : kwargs.entrySet()) {
                if (!params.contains(e.getKey())) {
                    if (e.getKey().equals("caller")) s.set("caller", e.getValue());
                    else extraKw.put(e.getKey(), e.getValue());
                }
            }
            s.set("kwargs", extraKw);
            for (int i = 0; i < params.size(); i++) {
                String p = params.get(i);
                if (i < args.size()) {
                    if (kwargs.containsKey(p)) throw new EvalError("macro '" + macroName + "' got multiple values for argument '" + p + "'");
                    s.set(p, args.get(i));
                } else if (kwargs.containsKey(p)) {
                    s.set(p, kwargs.get(p));
                } else if (defaults.get(i) != null) {
                    s.set(p, eval(defaults.get(i), s));
                } else {
                    s.set(p, new Undefined(p));
                }
            }
            if (++depth > MAX_DEPTH) { depth = 0; throw error(at, "macro '" + macroName + "' nested too deeply"); }
            try {
                StringBuilder sb = new StringBuilder();
                render(body, s, sb);
                return sb.toString();
            } finally {
                depth--;
            }
        };
    }

    // ---- expressions -----------------------------------------------------------------------

    Object eval(Expr e, Scope scope) {
        try {
            return evalUnchecked(e, scope);
        } catch (JinjaException | BreakSignal | ContinueSignal x) {
            throw x;
        } catch (Py.Raised x) {
            throw new TemplateRaisedException(name, lexer.line(e.at()), lexer.column(e.at()), x.getMessage());
        } catch (EvalError x) {
            throw error(e.at(), x.getMessage());
        } catch (ArithmeticException x) {
            throw error(e.at(), "arithmetic error: " + x.getMessage());
        } catch (StackOverflowError x) {
            throw error(e.at(), "expression nested too deeply");
        }
    }

    private Object evalUnchecked(Expr e, Scope scope) {
        switch (e) {
            case Literal l: return l.value();
            case Name n: return scope.get(n.name());
            case ListLit l: {
                List<Object> out = new ArrayList<>();
                for (Expr x : l.items()) out.add(eval(x, scope));
                return out;
            }
            case TupleLit t: {
                Object[] out = new Object[t.items().size()];
                for (int i = 0; i < out.length; i++) out[i] = eval(t.items().get(i), scope);
                return new Tuple(out);
            }
            case DictLit d: {
                LinkedHashMap<Object, Object> out = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) out.put(eval(d.keys().get(i), scope), eval(d.values().get(i), scope));
                return out;
            }
            case GetAttr g: return Builtins.getAttr(eval(g.target(), scope), g.name(), describe(g.target()));
            case GetItem g: return Builtins.getItem(eval(g.target(), scope), eval(g.key(), scope), describe(g.target()));
            case Slice s: {
                Object target = eval(s.target(), scope);
                if (target instanceof Undefined) throw new EvalError("'" + describe(s.target()) + "' is undefined");
                return Py.slice(target, noneOrValue(s.start(), scope), noneOrValue(s.stop(), scope), noneOrValue(s.step(), scope));
            }
            case Call c: {
                Object callee = eval(c.callee(), scope);
                if (!(callee instanceof Fn fn)) {
                    if (callee instanceof Undefined) throw new EvalError("'" + describe(c.callee()) + "' is undefined");
                    if (callee instanceof Loop l && l.recurse != null) callee = l.recurse;
                    else throw new EvalError("'" + describe(c.callee()) + "' (" + Py.typeName(callee) + ") is not callable");
                }
                List<Object> args = new ArrayList<>();
                for (Expr a : c.args()) args.add(eval(a, scope));
                Map<String, Object> kw = new LinkedHashMap<>();
                for (int i = 0; i < c.kwNames().size(); i++) kw.put(c.kwNames().get(i), eval(c.kwValues().get(i), scope));
                return ((Fn) callee).call(args, kw);
            }
            case Filter f: return applyFilter(f.filter(), eval(f.target(), scope), scope);
            case Test t: {
                List<Object> args = new ArrayList<>();
                for (Expr a : t.args()) args.add(eval(a, scope));
                boolean r = Builtins.test(t.name(), eval(t.target(), scope), args);
                return t.negated() != r;
            }
            case Unary u: {
                Object v = eval(u.operand(), scope);
                if (!Py.isNumber(v)) throw new EvalError("bad operand type for unary " + u.op() + ": '" + Py.typeName(v) + "'");
                if (u.op().equals("+")) return v instanceof Boolean b ? (b ? 1L : 0L) : v;
                return v instanceof Double d ? -d : Math.negateExact(Py.toLong(v));
            }
            case Binary b: return Py.binary(b.op(), eval(b.left(), scope), eval(b.right(), scope));
            case And a: {
                Object l = eval(a.left(), scope);
                return Py.truthy(l) ? eval(a.right(), scope) : l;
            }
            case Or o: {
                Object l = eval(o.left(), scope);
                return Py.truthy(l) ? l : eval(o.right(), scope);
            }
            case Not n: return !Py.truthy(eval(n.operand(), scope));
            case Compare c: {
                Object left = eval(c.first(), scope);
                for (int i = 0; i < c.ops().size(); i++) {
                    Object right = eval(c.rest().get(i), scope);
                    String op = c.ops().get(i);
                    boolean r = switch (op) {
                        case "==" -> Py.eq(left, right);
                        case "!=" -> !Py.eq(left, right);
                        case "<" -> Py.compare(left, right, op) < 0;
                        case "<=" -> Py.compare(left, right, op) <= 0;
                        case ">" -> Py.compare(left, right, op) > 0;
                        case ">=" -> Py.compare(left, right, op) >= 0;
                        case "in" -> Py.contains(right, left);
                        case "notin" -> !Py.contains(right, left);
                        default -> throw new EvalError("unknown operator " + op);
                    };
                    if (!r) return false;
                    left = right;
                }
                return true;
            }
            case CondExpr c: {
                if (Py.truthy(eval(c.condition(), scope))) return eval(c.then(), scope);
                return c.otherwise() == null ? new Undefined("inline if") : eval(c.otherwise(), scope);
            }
        }
    }

    private Object noneOrValue(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    private Object applyFilter(FilterCall fc, Object value, Scope scope) {
        List<Object> args = new ArrayList<>();
        for (Expr a : fc.args()) args.add(eval(a, scope));
        Map<String, Object> kw = new LinkedHashMap<>();
        for (int i = 0; i < fc.kwNames().size(); i++) kw.put(fc.kwNames().get(i), eval(fc.kwValues().get(i), scope));
        try {
            return Builtins.filter(fc.name(), value, args, kw);
        } catch (EvalError x) {
            throw error(fc.at(), "filter '" + fc.name() + "': " + x.getMessage());
        }
    }

    /** A short source-like description of an expression, for error messages. */
    static String describe(Expr e) {
        return switch (e) {
            case Name n -> n.name();
            case GetAttr g -> describe(g.target()) + "." + g.name();
            case GetItem g -> describe(g.target()) + "[" + (g.key() instanceof Literal l ? Py.repr(l.value()) : "...") + "]";
            case Call c -> describe(c.callee()) + "(...)";
            case Literal l -> Py.repr(l.value());
            default -> "expression";
        };
    }
}
