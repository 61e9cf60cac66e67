package dev.quanta.runtime.tools;

import dev.quanta.runtime.grammar.JsonSchemaGrammar;
import java.util.ArrayList;
import java.util.List;

/**
 * GBNF for "one of these tool calls, in this model's format": what {@code tool_choice:
 * "required"} or a named function ({@code {"type": "function", "function": {"name": ...}}})
 * enforces. Each tool's arguments follow its {@code parameters} JSON Schema (through
 * {@link JsonSchemaGrammar}; its rules are renamed {@code tN-...} so that tools do not clash).
 */
public final class ToolCallGrammar {
    private ToolCallGrammar() {}

    /**
     * The grammar text.
     *
     * @param format   the model's format ({@link ToolCallFormat#forModel})
     * @param tools    the request's tools
     * @param only     the one function that must be called, or null for any of {@code tools}
     * @param parallel whether several calls may follow each other (not for Llama 3, which makes one)
     * @throws IllegalArgumentException when {@code only} is not among the tools, or there are none
     * @throws dev.quanta.runtime.grammar.GrammarException when a tool's schema cannot be enforced
     */
    public static String gbnf(ToolCallFormat format, List<Tool> tools, String only, boolean parallel) {
        if (tools.isEmpty()) throw new IllegalArgumentException("tool calls required but no tools given");
        List<Tool> chosen = new ArrayList<>();
        for (Tool t : tools) if (only == null || t.name().equals(only)) chosen.add(t);
        if (chosen.isEmpty()) throw new IllegalArgumentException("tool_choice names function '" + only + "', which is not among the tools");

        StringBuilder sb = new StringBuilder();
        String key = format.argumentsKey();
        StringBuilder alts = new StringBuilder();
        for (int i = 0; i < tools.size(); i++) {
            Tool t = tools.get(i);
            if (!chosen.contains(t)) continue;
            String schema = t.parameters() == null ? "{\"type\": \"object\"}" : t.parameters().toString();
            String params = JsonSchemaGrammar.fromSchema(schema).gbnf();
            String p = "t" + i + "-";
            sb.append(prefixRules(params, p));
            sb.append(p).append("call ::= \"{\" tc-space \"\\\"name\\\"\" tc-space \":\" tc-space \"\\\"").append(t.name())
                    .append("\\\"\" tc-space \",\" tc-space \"\\\"").append(key).append("\\\"\" tc-space \":\" tc-space ")
                    .append(p).append("root \"}\"\n");
            if (!alts.isEmpty()) alts.append(" | ");
            alts.append(p).append("call");
        }
        sb.append("tc-call ::= ").append(alts).append('\n');
        sb.append("tc-space ::= | \" \" | \"\\n\" [ \\t]{0,20}\n");
        switch (format) {
            case HERMES -> {
                sb.append("tc-one ::= \"<tool_call>\" tc-space tc-call tc-space \"</tool_call>\"\n");
                sb.append(parallel ? "root ::= tc-one (tc-space tc-one)*\n" : "root ::= tc-one\n");
            }
            case MISTRAL -> sb.append("root ::= \"[TOOL_CALLS]\" tc-space \"[\" tc-space tc-call ")
                    .append(parallel ? "(\",\" tc-space tc-call)* " : "").append("tc-space \"]\"\n");
            case LLAMA3 -> sb.append("root ::= \"<|python_tag|>\"? tc-call\n");
            case GENERIC -> sb.append(parallel
                    ? "root ::= \"{\" tc-space \"\\\"tool_calls\\\"\" tc-space \":\" tc-space \"[\" tc-space tc-call (\",\" tc-space tc-call)* tc-space \"]\" tc-space \"}\"\n"
                    : "root ::= tc-call\n");
        }
        return sb.toString();
    }

    /** Renames every rule of a GBNF text (definitions and references) to {@code prefix + name}. */
    static String prefixRules(String gbnf, String prefix) {
        StringBuilder out = new StringBuilder(gbnf.length() + 256);
        int n = gbnf.length();
        for (int i = 0; i < n; ) {
            char c = gbnf.charAt(i);
            if (c == '"' || c == '[') { // literal or class: copied as is
                char close = c == '"' ? '"' : ']';
                int j = i + 1;
                while (j < n && gbnf.charAt(j) != close) j += gbnf.charAt(j) == '\\' ? 2 : 1;
                j = Math.min(n, j + 1);
                out.append(gbnf, i, j);
                i = j;
            } else if (c == '{') { // repetition count
                int j = gbnf.indexOf('}', i);
                j = j < 0 ? n : j + 1;
                out.append(gbnf, i, j);
                i = j;
            } else if (c == '#') {
                int j = gbnf.indexOf('\n', i);
                j = j < 0 ? n : j;
                out.append(gbnf, i, j);
                i = j;
            } else if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                int j = i;
                while (j < n && (Character.isLetterOrDigit(gbnf.charAt(j)) || gbnf.charAt(j) == '-' || gbnf.charAt(j) == '_')) j++;
                out.append(prefix).append(gbnf, i, j);
                i = j;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
