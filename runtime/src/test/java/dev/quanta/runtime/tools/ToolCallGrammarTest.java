package dev.quanta.runtime.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quanta.runtime.grammar.Grammar;
import dev.quanta.runtime.grammar.GrammarMatcher;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The grammar of required / named tool calls accepts valid calls in each format and refuses others. */
class ToolCallGrammarTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<Tool> TOOLS = List.of(
            Tool.fromOpenAi("""
                    {"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                     "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                       "unit": {"enum": ["c", "f"]}}, "required": ["city"], "additionalProperties": false}}}"""),
            Tool.fromOpenAi("""
                    {"type": "function", "function": {"name": "add",
                     "parameters": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                       "required": ["a", "b"], "additionalProperties": false}}}"""),
            Tool.fromOpenAi("{\"type\": \"function\", \"function\": {\"name\": \"now\"}}"));

    static boolean accepts(String gbnf, String text) {
        GrammarMatcher m = Grammar.parse(gbnf).matcher();
        return m.acceptString(text) && m.isComplete();
    }

    static void valid(ToolCallFormat f, boolean parallel, String text, String... names) throws Exception {
        String g = ToolCallGrammar.gbnf(f, TOOLS, null, parallel);
        assertTrue(accepts(g, text), f + " should accept: " + text + "\n" + g);
        ToolCallParser.Result r = ToolCallParser.parse(f, text);
        assertEquals(names.length, r.toolCalls().size(), text);
        for (int i = 0; i < names.length; i++) {
            assertEquals(names[i], r.toolCalls().get(i).name());
            assertTrue(JSON.readTree(r.toolCalls().get(i).arguments()).isObject());
        }
        assertEquals("", r.content().strip());
    }

    static void invalid(ToolCallFormat f, boolean parallel, String text) {
        assertFalse(accepts(ToolCallGrammar.gbnf(f, TOOLS, null, parallel), text), f + " should refuse: " + text);
    }

    @Test
    void hermes() throws Exception {
        valid(ToolCallFormat.HERMES, false, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", "get_weather");
        valid(ToolCallFormat.HERMES, false, "<tool_call>{\"name\": \"now\", \"arguments\": {}}</tool_call>", "now");
        valid(ToolCallFormat.HERMES, true, "<tool_call>{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": -2}}</tool_call>\n"
                + "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"unit\": \"c\"}}</tool_call>", "add", "get_weather");
        invalid(ToolCallFormat.HERMES, false, "<tool_call>{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": -2}}</tool_call><tool_call>{\"name\": \"now\", \"arguments\": {}}</tool_call>");
        invalid(ToolCallFormat.HERMES, false, "<tool_call>{\"name\": \"get_weather\", \"arguments\": {}}</tool_call>");            // required city
        invalid(ToolCallFormat.HERMES, false, "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": 3}}</tool_call>");  // wrong type
        invalid(ToolCallFormat.HERMES, false, "<tool_call>{\"name\": \"delete_all\", \"arguments\": {}}</tool_call>");             // unknown tool
        invalid(ToolCallFormat.HERMES, false, "{\"name\": \"now\", \"arguments\": {}}");                                            // no marker
        invalid(ToolCallFormat.HERMES, false, "Sure! <tool_call>{\"name\": \"now\", \"arguments\": {}}</tool_call>");              // text first
        invalid(ToolCallFormat.HERMES, false, "<tool_call>{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2, \"c\": 3}}</tool_call>");
    }

    @Test
    void mistral() throws Exception {
        valid(ToolCallFormat.MISTRAL, true, "[TOOL_CALLS][{\"name\": \"add\", \"arguments\": {\"a\": 10, \"b\": 20}}, {\"name\": \"now\", \"arguments\": {}}]", "add", "now");
        valid(ToolCallFormat.MISTRAL, false, "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\", \"unit\": \"f\"}}]", "get_weather");
        invalid(ToolCallFormat.MISTRAL, false, "[TOOL_CALLS][{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}, {\"name\": \"now\", \"arguments\": {}}]");
        invalid(ToolCallFormat.MISTRAL, true, "[{\"name\": \"now\", \"arguments\": {}}]");
        invalid(ToolCallFormat.MISTRAL, true, "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\", \"unit\": \"k\"}}]");
        invalid(ToolCallFormat.MISTRAL, true, "[TOOL_CALLS][]");
    }

    @Test
    void llama3() throws Exception {
        valid(ToolCallFormat.LLAMA3, false, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}", "get_weather");
        valid(ToolCallFormat.LLAMA3, false, "<|python_tag|>{\"name\": \"add\", \"parameters\": {\"a\": 1, \"b\": 2}}", "add");
        invalid(ToolCallFormat.LLAMA3, false, "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}"); // Llama writes "parameters"
        invalid(ToolCallFormat.LLAMA3, false, "{\"name\": \"add\", \"parameters\": {\"a\": 1.5, \"b\": 2}}");
        invalid(ToolCallFormat.LLAMA3, false, "The weather: {\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}");
    }

    @Test
    void generic() throws Exception {
        valid(ToolCallFormat.GENERIC, false, "{\"name\": \"now\", \"arguments\": {}}", "now");
        valid(ToolCallFormat.GENERIC, true, "{\"tool_calls\": [{\"name\": \"now\", \"arguments\": {}}, {\"name\": \"add\", \"arguments\": {\"a\": 0, \"b\": 0}}]}", "now", "add");
        invalid(ToolCallFormat.GENERIC, false, "{\"answer\": \"no tools\"}");
        invalid(ToolCallFormat.GENERIC, true, "{\"tool_calls\": []}");
    }

    @Test
    void namedFunctionOnly() {
        String g = ToolCallGrammar.gbnf(ToolCallFormat.HERMES, TOOLS, "add", false);
        assertTrue(accepts(g, "<tool_call>{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}</tool_call>"));
        assertFalse(accepts(g, "<tool_call>{\"name\": \"now\", \"arguments\": {}}</tool_call>"));
        assertFalse(accepts(g, "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}</tool_call>"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ToolCallGrammar.gbnf(ToolCallFormat.HERMES, TOOLS, "missing", false));
        assertTrue(e.getMessage().contains("missing"));
        assertThrows(IllegalArgumentException.class, () -> ToolCallGrammar.gbnf(ToolCallFormat.HERMES, List.of(), null, false));
    }

    @Test
    void rulesOfEachToolAreRenamed() {
        String r = ToolCallGrammar.prefixRules("root ::= \"a b\" [c-d] x{2,3} # note\nx ::= space\n", "t1-");
        assertEquals("t1-root ::= \"a b\" [c-d] t1-x{2,3} # note\nt1-x ::= t1-space\n", r);
    }

    @Test
    void badToolNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Tool("bad name\"", null, null));
        assertThrows(IllegalArgumentException.class, () -> Tool.fromOpenAi("{\"type\": \"retrieval\", \"function\": {\"name\": \"x\"}}"));
    }
}
