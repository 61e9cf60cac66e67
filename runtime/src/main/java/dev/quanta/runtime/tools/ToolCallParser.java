package dev.quanta.runtime.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a model's answer into plain content and tool calls, as the text streams in.
 * {@link #feed} takes the next piece of generated text and returns what is now certain:
 * {@link Content} deltas and whole {@link Call}s (a call is given once its closing marker or
 * closing bracket has arrived). Text that may be the start of a tool-call marker is held back
 * until it is known not to be one; {@link #finish()} releases everything at the end.
 *
 * <p>A call whose JSON does not parse is given back as content, unchanged. The concatenation
 * of all content deltas plus the calls does not depend on how the text was split.
 * Not thread-safe: one parser per answer.
 */
public final class ToolCallParser {
    /** What {@link #feed} and {@link #finish} produce. */
    public sealed interface Event permits Content, Call {}

    /** Plain text of the answer. */
    public record Content(String text) implements Event {}

    /** A complete tool call; {@code index} counts the calls of this answer from 0 (OpenAI's {@code tool_calls[i].index}). */
    public record Call(int index, ToolCall call) implements Event {}

    /** The outcome of parsing a whole answer. */
    public record Result(String content, List<ToolCall> toolCalls) {}

    private enum Mode { CONTENT, MARKER_BODY, JSON_AT_START }

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern BUILTIN_CALL = Pattern.compile("(?s)\\s*([A-Za-z_][A-Za-z0-9_]*)\\.call\\((.*)\\)\\s*");
    private static final Pattern KWARG = Pattern.compile(
            "\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*=\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|[^,]+?)\\s*(?:,|$)");

    private final ToolCallFormat format;
    private final Supplier<String> ids;
    private final StringBuilder buf = new StringBuilder();
    private Mode mode = Mode.CONTENT;
    private String marker;
    private boolean sawContent;
    private int calls;
    private boolean finished;

    /** A parser with random OpenAI-style ids ({@code call_} and 24 letters and digits). */
    public ToolCallParser(ToolCallFormat format) {
        this(format, ToolCallParser::randomId);
    }

    /** A parser that takes call ids from {@code ids} (when the model wrote none). */
    public ToolCallParser(ToolCallFormat format, Supplier<String> ids) {
        this.format = format;
        this.ids = ids;
    }

    /** Parses a whole answer. */
    public static Result parse(ToolCallFormat format, String text) {
        return parse(format, text, ToolCallParser::randomId);
    }

    /** Parses a whole answer, with call ids from {@code ids}. */
    public static Result parse(ToolCallFormat format, String text, Supplier<String> ids) {
        ToolCallParser p = new ToolCallParser(format, ids);
        List<Event> ev = new ArrayList<>(p.feed(text));
        ev.addAll(p.finish());
        StringBuilder content = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        for (Event e : ev) {
            if (e instanceof Content c) content.append(c.text());
            else calls.add(((Call) e).call());
        }
        return new Result(content.toString(), calls);
    }

    /** Adds generated text; returns the content and calls that are now certain (maybe none). */
    public List<Event> feed(String text) {
        if (finished) throw new IllegalStateException("finish() was called");
        buf.append(text);
        List<Event> out = new ArrayList<>();
        process(out, false);
        return merge(out);
    }

    /** End of the answer: releases held text; an unclosed call is parsed if its JSON is complete, else given back as content. */
    public List<Event> finish() {
        if (finished) return List.of();
        List<Event> out = new ArrayList<>();
        process(out, true);
        finished = true;
        return merge(out);
    }

    /** Number of calls given so far. */
    public int callCount() {
        return calls;
    }

    // ---- the state machine ------------------------------------------------------------------------

    private void process(List<Event> out, boolean end) {
        while (true) {
            switch (mode) {
                case CONTENT -> {
                    if (format.jsonAtStart() && !sawContent) {
                        int i = firstNonSpace(buf);
                        if (i < 0) { // only whitespace so far
                            if (end) emit(out, take(buf.length()));
                            return;
                        }
                        if (buf.charAt(i) == '{') {
                            mode = Mode.JSON_AT_START;
                            continue;
                        }
                    }
                    int best = -1;
                    String which = null;
                    for (String m : format.markers()) {
                        int i = buf.indexOf(m);
                        if (i >= 0 && (best < 0 || i < best)) { best = i; which = m; }
                    }
                    if (best >= 0) {
                        emit(out, take(best));
                        buf.delete(0, which.length());
                        marker = which;
                        mode = Mode.MARKER_BODY;
                        continue;
                    }
                    int hold = end ? 0 : heldSuffix();
                    emit(out, take(buf.length() - hold));
                    return;
                }
                case JSON_AT_START -> {
                    int start = firstNonSpace(buf);
                    int e = jsonEnd(buf, start);
                    if (e == -1 && !end) return; // wait for the rest
                    if (e >= 0) {
                        List<ToolCall> cs = callsFrom(buf.substring(start, e));
                        if (cs != null) {
                            for (ToolCall c : cs) out.add(new Call(calls++, c));
                            buf.delete(0, e);
                            sawContent = true; // whitespace after the call is content
                            mode = Mode.CONTENT;
                            continue;
                        }
                    }
                    // not a call: the text is plain content
                    sawContent = true;
                    mode = Mode.CONTENT;
                    continue;
                }
                case MARKER_BODY -> {
                    if (!body(out, end)) return;
                    mode = Mode.CONTENT;
                    marker = null;
                }
            }
        }
    }

    /** Handles the text after a marker; true when the call ended (the buffer holds what follows it). */
    private boolean body(List<Event> out, boolean end) {
        switch (marker) {
            case "<tool_call>" -> {
                int close = buf.indexOf("</tool_call>");
                if (close < 0) {
                    if (!end) return false;
                    String body = buf.toString();
                    List<ToolCall> cs = callsFrom(body.strip());
                    if (cs != null) addCalls(out, cs);
                    else emit(out, marker + body);
                    buf.setLength(0);
                    return true;
                }
                String body = buf.substring(0, close);
                List<ToolCall> cs = callsFrom(body.strip());
                if (cs != null) addCalls(out, cs);
                else emit(out, marker + body + "</tool_call>");
                buf.delete(0, close + "</tool_call>".length());
                return true;
            }
            case "[TOOL_CALLS]" -> {
                int start = firstNonSpace(buf);
                if (start < 0) {
                    if (!end) return false;
                    emit(out, marker + take(buf.length()));
                    return true;
                }
                int e = jsonEnd(buf, start);
                if (e == -1 && !end) return false;
                List<ToolCall> cs = e >= 0 ? callsFrom(buf.substring(start, e)) : null;
                if (cs != null) {
                    addCalls(out, cs);
                    buf.delete(0, e);
                } else {
                    emit(out, marker + take(e >= 0 ? e : buf.length()));
                }
                return true;
            }
            default -> { // <|python_tag|>: the rest of the answer is the call
                if (!end) return false;
                String body = take(buf.length());
                List<ToolCall> cs = pythonTagCalls(body);
                if (cs != null) addCalls(out, cs);
                else emit(out, marker + body);
                return true;
            }
        }
    }

    private void addCalls(List<Event> out, List<ToolCall> cs) {
        for (ToolCall c : cs) out.add(new Call(calls++, c));
    }

    private void emit(List<Event> out, String text) {
        if (text.isEmpty()) return;
        sawContent = true;
        out.add(new Content(text));
    }

    private String take(int n) {
        String s = buf.substring(0, n);
        buf.delete(0, n);
        return s;
    }

    /** Length of the longest suffix of the buffer that is a proper prefix of a marker. */
    private int heldSuffix() {
        int best = 0;
        for (String m : format.markers()) {
            for (int k = Math.min(m.length() - 1, buf.length()); k > best; k--) {
                if (buf.substring(buf.length() - k).equals(m.substring(0, k))) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    private static int firstNonSpace(CharSequence s) {
        for (int i = 0; i < s.length(); i++) if (!Character.isWhitespace(s.charAt(i))) return i;
        return -1;
    }

    private static List<Event> merge(List<Event> ev) {
        List<Event> out = new ArrayList<>(ev.size());
        for (Event e : ev) {
            if (e instanceof Content c && !out.isEmpty() && out.getLast() instanceof Content p) out.set(out.size() - 1, new Content(p.text() + c.text()));
            else out.add(e);
        }
        return out;
    }

    /**
     * End (exclusive) of the JSON object or array starting at {@code from}: -1 when it is not
     * complete yet, -2 when it cannot be JSON (a closing bracket that does not match).
     */
    static int jsonEnd(CharSequence s, int from) {
        StringBuilder stack = new StringBuilder();
        boolean inString = false, escape = false;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (inString) {
                if (escape) escape = false;
                else if (c == '\\') escape = true;
                else if (c == '"') inString = false;
                continue;
            }
            switch (c) {
                case '"' -> inString = true;
                case '{' -> stack.append('}');
                case '[' -> stack.append(']');
                case '}', ']' -> {
                    if (stack.isEmpty() || stack.charAt(stack.length() - 1) != c) return -2;
                    stack.setLength(stack.length() - 1);
                    if (stack.isEmpty()) return i + 1;
                }
                default -> {
                    if (i == from) return -2;
                }
            }
        }
        return -1;
    }

    // ---- JSON shapes ------------------------------------------------------------------------------

    /** The calls a JSON text describes, or null when it is not a tool call. */
    private List<ToolCall> callsFrom(String json) {
        JsonNode n;
        try {
            n = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            return null;
        }
        if (n == null) return null;
        if (n.isArray()) {
            List<ToolCall> out = new ArrayList<>();
            for (JsonNode e : n) {
                ToolCall c = callFrom(e);
                if (c == null) return null;
                out.add(c);
            }
            return out.isEmpty() ? null : out;
        }
        if (!n.isObject()) return null;
        if (n.has("tool_calls") && n.get("tool_calls").isArray() && n.size() == 1) return callsFrom(n.get("tool_calls").toString());
        if (n.has("tool_call") && n.size() == 1) {
            ToolCall c = callFrom(n.get("tool_call"));
            return c == null ? null : List.of(c);
        }
        ToolCall c = callFrom(n);
        return c == null ? null : List.of(c);
    }

    /** {"name": ..., "arguments"|"parameters": ..., "id"?} or {"type": "function", "function": {...}}. */
    private ToolCall callFrom(JsonNode n) {
        if (n == null || !n.isObject()) return null;
        if (n.has("function") && n.get("function").isObject() && !n.has("name")) {
            ToolCall c = callFrom(n.get("function"));
            if (c == null) return null;
            JsonNode id = n.get("id");
            return id != null && id.isTextual() && !id.asText().isEmpty() ? new ToolCall(id.asText(), c.name(), c.arguments()) : c;
        }
        JsonNode name = n.get("name");
        if (name == null || !name.isTextual() || name.asText().isEmpty()) return null;
        JsonNode args = n.has("arguments") ? n.get("arguments") : n.get("parameters");
        for (var it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("name") && !f.equals("arguments") && !f.equals("parameters") && !f.equals("id") && !f.equals("type")) return null;
        }
        String argText;
        if (args == null || args.isNull()) argText = "{}";
        else if (args.isTextual()) argText = args.asText();
        else if (args.isObject()) argText = args.toString();
        else return null;
        JsonNode id = n.get("id");
        return new ToolCall(id != null && id.isTextual() && !id.asText().isEmpty() ? id.asText() : ids.get(), name.asText(), argText);
    }

    /** After {@code <|python_tag|>}: JSON call(s) separated by ';', a built-in {@code tool.call(k="v")}, else Python code. */
    private List<ToolCall> pythonTagCalls(String body) {
        String b = body.strip();
        if (b.isEmpty()) return null;
        if (b.startsWith("{")) {
            List<ToolCall> out = new ArrayList<>();
            for (int pos = 0; pos < b.length(); ) {
                int s = firstNonSpace(b.substring(pos));
                if (s < 0) break;
                s += pos;
                int e = jsonEnd(b, s);
                if (e < 0) return null;
                List<ToolCall> cs = callsFrom(b.substring(s, e));
                if (cs == null) return null;
                out.addAll(cs);
                pos = e;
                while (pos < b.length() && (Character.isWhitespace(b.charAt(pos)) || b.charAt(pos) == ';')) pos++;
            }
            return out.isEmpty() ? null : out;
        }
        Matcher m = BUILTIN_CALL.matcher(b);
        if (m.matches()) {
            ObjectNode args = MAPPER.createObjectNode();
            String rest = m.group(2).strip();
            Matcher kw = KWARG.matcher(rest);
            int pos = 0;
            boolean ok = true;
            while (pos < rest.length()) {
                if (!kw.find(pos) || kw.start() != pos) { ok = false; break; }
                args.set(kw.group(1), pythonLiteral(kw.group(2)));
                pos = kw.end();
            }
            if (ok) return List.of(new ToolCall(ids.get(), m.group(1), args.toString()));
        }
        ObjectNode code = MAPPER.createObjectNode().put("code", body);
        return List.of(new ToolCall(ids.get(), "python", code.toString()));
    }

    private static JsonNode pythonLiteral(String v) {
        if ((v.startsWith("\"") && v.endsWith("\"")) || (v.startsWith("'") && v.endsWith("'"))) {
            String inner = v.substring(1, v.length() - 1);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < inner.length(); i++) {
                char c = inner.charAt(i);
                if (c == '\\' && i + 1 < inner.length()) {
                    char n = inner.charAt(++i);
                    sb.append(switch (n) { case 'n' -> '\n'; case 't' -> '\t'; default -> n; });
                } else sb.append(c);
            }
            return MAPPER.getNodeFactory().textNode(sb.toString());
        }
        Map<String, JsonNode> words = Map.of("True", MAPPER.getNodeFactory().booleanNode(true),
                "False", MAPPER.getNodeFactory().booleanNode(false), "None", MAPPER.getNodeFactory().nullNode());
        if (words.containsKey(v)) return words.get(v);
        try {
            JsonNode n = MAPPER.readTree(v);
            if (n != null && n.isNumber()) return n;
        } catch (JsonProcessingException e) {
            // not a number: kept as text
        }
        return MAPPER.getNodeFactory().textNode(v);
    }

    /** {@code call_} followed by 24 random letters and digits. */
    public static String randomId() {
        String abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder sb = new StringBuilder("call_");
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < 24; i++) sb.append(abc.charAt(r.nextInt(abc.length())));
        return sb.toString();
    }
}
