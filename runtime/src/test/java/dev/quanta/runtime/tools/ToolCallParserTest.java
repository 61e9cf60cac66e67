package dev.quanta.runtime.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Each format, whole and streamed split at every character boundary (and char by char). */
class ToolCallParserTest {
    static final ObjectMapper JSON = new ObjectMapper();

    record Case(ToolCallFormat format, String text, String content, List<ToolCall> calls) {}

    static Supplier<String> ids() {
        int[] n = {0};
        return () -> "call_" + n[0]++;
    }

    static ToolCall call(int id, String name, String args) {
        return new ToolCall("call_" + id, name, args);
    }

    static final List<Case> CASES = List.of(
            // Llama 3.1+: JSON as the whole answer, python_tag with JSON / built-in / code, plain text
            new Case(ToolCallFormat.LLAMA3, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}", "",
                    List.of(call(0, "get_weather", "{\"city\":\"Paris\"}"))),
            new Case(ToolCallFormat.LLAMA3, "  {\"type\": \"function\", \"name\": \"f\", \"parameters\": {}}", "",
                    List.of(call(0, "f", "{}"))),
            new Case(ToolCallFormat.LLAMA3, "<|python_tag|>{\"name\": \"a\", \"parameters\": {\"x\": 1}}; {\"name\": \"b\", \"parameters\": {}}", "",
                    List.of(call(0, "a", "{\"x\":1}"), call(1, "b", "{}"))),
            new Case(ToolCallFormat.LLAMA3, "<|python_tag|>brave_search.call(query=\"a, \\\"b\\\"\", n=3)", "",
                    List.of(call(0, "brave_search", "{\"query\":\"a, \\\"b\\\"\",\"n\":3}"))),
            new Case(ToolCallFormat.LLAMA3, "Let me compute.<|python_tag|>print(1 + 1)", "Let me compute.",
                    List.of(call(0, "python", "{\"code\":\"print(1 + 1)\"}"))),
            new Case(ToolCallFormat.LLAMA3, "The answer is {\"name\": 1} and <|pyth", "The answer is {\"name\": 1} and <|pyth", List.of()),
            new Case(ToolCallFormat.LLAMA3, "{\"a\": [1, 2]} is JSON", "{\"a\": [1, 2]} is JSON", List.of()),
            new Case(ToolCallFormat.LLAMA3, "{\"name\": \"f\", \"parameters\": {", "{\"name\": \"f\", \"parameters\": {", List.of()),
            // Hermes / Qwen 2.5
            new Case(ToolCallFormat.HERMES, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"days\": 2}}\n</tool_call>", "",
                    List.of(call(0, "get_weather", "{\"city\":\"Oslo\",\"days\":2}"))),
            new Case(ToolCallFormat.HERMES, "Sure.\n<tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call>\n<tool_call>{\"name\": \"b\", \"arguments\": {\"s\": \"</tool\"}}</tool_call>",
                    "Sure.\n\n", List.of(call(0, "a", "{}"), call(1, "b", "{\"s\":\"</tool\"}"))),
            new Case(ToolCallFormat.HERMES, "a < b and <tool> <tool_call>not json</tool_call> end", "a < b and <tool> <tool_call>not json</tool_call> end", List.of()),
            new Case(ToolCallFormat.HERMES, "<tool_call>{\"name\": \"a\", \"arguments\": {\"k\": [1]}}", "", List.of(call(0, "a", "{\"k\":[1]}"))),
            new Case(ToolCallFormat.HERMES, "text then <tool_ca", "text then <tool_ca", List.of()),
            // Mistral
            new Case(ToolCallFormat.MISTRAL, "[TOOL_CALLS][{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}, \"id\": \"abc123XYZ\"}, {\"name\": \"neg\", \"arguments\": {\"a\": 1}}]",
                    "", List.of(new ToolCall("abc123XYZ", "add", "{\"a\":1,\"b\":2}"), call(0, "neg", "{\"a\":1}"))),
            new Case(ToolCallFormat.MISTRAL, "Calling: [TOOL_CALLS] [{\"name\": \"f\", \"arguments\": \"{\\\"x\\\": \\\"]\\\"}\"}] done", "Calling:  done",
                    List.of(call(0, "f", "{\"x\": \"]\"}"))),
            new Case(ToolCallFormat.MISTRAL, "[TOOL_CALLS][oops]", "[TOOL_CALLS][oops]", List.of()),
            new Case(ToolCallFormat.MISTRAL, "[TOOL]s [TOOL_CALL", "[TOOL]s [TOOL_CALL", List.of()),
            // generic JSON
            new Case(ToolCallFormat.GENERIC, "{\"tool_calls\": [{\"name\": \"a\", \"arguments\": {\"q\": \"x\"}}, {\"name\": \"b\", \"arguments\": {}}]}", "",
                    List.of(call(0, "a", "{\"q\":\"x\"}"), call(1, "b", "{}"))),
            new Case(ToolCallFormat.GENERIC, "{\"name\": \"a\", \"arguments\": {\"q\": \"{\"}}", "", List.of(call(0, "a", "{\"q\":\"{\"}"))),
            new Case(ToolCallFormat.GENERIC, "{\"tool_call\": {\"name\": \"a\", \"arguments\": {}}}", "", List.of(call(0, "a", "{}"))),
            new Case(ToolCallFormat.GENERIC, "{\"answer\": 42}", "{\"answer\": 42}", List.of()),
            new Case(ToolCallFormat.GENERIC, "Hello {\"name\": \"a\", \"arguments\": {}}", "Hello {\"name\": \"a\", \"arguments\": {}}", List.of()));

    static ToolCallParser.Result stream(ToolCallFormat f, List<String> pieces) {
        ToolCallParser p = new ToolCallParser(f, ids());
        List<ToolCallParser.Event> ev = new ArrayList<>();
        for (String s : pieces) ev.addAll(p.feed(s));
        ev.addAll(p.finish());
        StringBuilder content = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        int index = 0;
        for (ToolCallParser.Event e : ev) {
            if (e instanceof ToolCallParser.Content c) {
                assertFalse(c.text().isEmpty(), "empty content delta");
                content.append(c.text());
            } else {
                ToolCallParser.Call c = (ToolCallParser.Call) e;
                assertEquals(index++, c.index());
                calls.add(c.call());
            }
        }
        return new ToolCallParser.Result(content.toString(), calls);
    }

    static void check(Case c, ToolCallParser.Result r, String how) throws Exception {
        String where = c.format() + " " + how + ": " + c.text();
        assertEquals(c.content(), r.content(), where);
        assertEquals(c.calls().size(), r.toolCalls().size(), where + " -> " + r.toolCalls());
        for (int i = 0; i < c.calls().size(); i++) {
            ToolCall want = c.calls().get(i), got = r.toolCalls().get(i);
            assertEquals(want.id(), got.id(), where);
            assertEquals(want.name(), got.name(), where);
            assertEquals(JSON.readTree(want.arguments()), JSON.readTree(got.arguments()), where);
            assertEquals("function", got.type());
        }
    }

    @Test
    void wholeText() throws Exception {
        for (Case c : CASES) check(c, ToolCallParser.parse(c.format(), c.text(), ids()), "whole");
    }

    @Test
    void splitAtEveryBoundary() throws Exception {
        for (Case c : CASES) {
            String t = c.text();
            for (int i = 0; i <= t.length(); i++) check(c, stream(c.format(), List.of(t.substring(0, i), t.substring(i))), "split at " + i);
        }
    }

    @Test
    void oneCharacterAtATime() throws Exception {
        for (Case c : CASES) {
            List<String> chars = new ArrayList<>();
            for (int i = 0; i < c.text().length(); i++) chars.add(c.text().substring(i, i + 1));
            check(c, stream(c.format(), chars), "char by char");
        }
    }

    @Test
    void contentIsNotHeldLongerThanNeeded() {
        ToolCallParser p = new ToolCallParser(ToolCallFormat.HERMES, ids());
        assertEquals(List.of(new ToolCallParser.Content("Hello ")), p.feed("Hello <tool"));
        assertEquals(List.of(new ToolCallParser.Content("<toolbox")), p.feed("box"));
        ToolCallParser q = new ToolCallParser(ToolCallFormat.LLAMA3, ids());
        assertEquals(List.of(), q.feed("  "));
        assertEquals(List.of(new ToolCallParser.Content("  Hi")), q.feed("Hi"));
        // a call is given as soon as its JSON closes
        ToolCallParser m = new ToolCallParser(ToolCallFormat.MISTRAL, ids());
        List<ToolCallParser.Event> ev = m.feed("[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {}}]");
        assertEquals(1, ev.size());
        assertTrue(ev.getFirst() instanceof ToolCallParser.Call);
    }

    @Test
    void randomIdsLookLikeOpenAis() {
        String id = ToolCallParser.randomId();
        assertTrue(id.matches("call_[A-Za-z0-9]{24}"), id);
    }

    @Test
    void formatDetection() {
        assertEquals(ToolCallFormat.HERMES, ToolCallFormat.detect("{% for t in tools %}<tool_call>{% endfor %}", "qwen2", s -> false));
        assertEquals(ToolCallFormat.MISTRAL, ToolCallFormat.detect("[AVAILABLE_TOOLS]{{ tools }}[/AVAILABLE_TOOLS] [TOOL_CALLS]", "llama", s -> false));
        assertEquals(ToolCallFormat.LLAMA3, ToolCallFormat.detect("<|start_header_id|>ipython<|end_header_id|>", "llama", s -> false));
        assertEquals(ToolCallFormat.LLAMA3, ToolCallFormat.detect(null, "llama", "<|python_tag|>"::equals));
        assertEquals(ToolCallFormat.MISTRAL, ToolCallFormat.detect("", "llama", "[TOOL_CALLS]"::equals));
        assertEquals(ToolCallFormat.HERMES, ToolCallFormat.detect(null, "qwen2", s -> false));
        assertEquals(ToolCallFormat.GENERIC, ToolCallFormat.detect("{{ messages }}", "llama", s -> false));
    }
}
