package dev.quanta.loader.template;

import dev.quanta.loader.template.jinja.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One message of a conversation, as OpenAI-style chat APIs and Hugging Face chat templates see
 * it. {@code content} (a plain string) and {@code parts} (typed parts such as
 * {@code [{"type": "text", "text": ...}]}) are exclusive; both may be absent (an assistant turn
 * that only calls tools).
 *
 * @param role       "system", "user", "assistant", "tool" (any string is passed through)
 * @param content    the text, or null
 * @param parts      the typed parts, or null
 * @param toolCalls  the tool calls of an assistant turn, or null/empty
 * @param toolCallId the call a "tool" message answers, or null
 * @param name       the tool name of a "tool" message, or null
 */
public record ChatMessage(String role, String content, List<ContentPart> parts, List<ToolCall> toolCalls,
                          String toolCallId, String name) {

    /** A typed content part; templates read {@code part.type} and {@code part.text}. */
    public record ContentPart(String type, String text) {
        public ContentPart {
            Objects.requireNonNull(type, "content part type");
        }

        public static ContentPart text(String text) { return new ContentPart("text", text); }
    }

    /**
     * A function call requested by the assistant. {@code arguments} is what templates receive as
     * {@code tool_call.function.arguments}: a Map (what Hugging Face templates expect, they
     * apply {@code tojson}) or a String.
     */
    public record ToolCall(String id, String name, Object arguments) {
        public ToolCall {
            Objects.requireNonNull(name, "tool call name");
        }

        /** A call whose arguments arrive as JSON text (OpenAI's wire format), parsed into a map. */
        public static ToolCall ofJson(String id, String name, String argumentsJson) {
            Object args;
            try {
                args = Json.parse(argumentsJson);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tool call '" + name + "': arguments are not valid JSON: " + e.getMessage());
            }
            return new ToolCall(id, name, args);
        }
    }

    public ChatMessage {
        Objects.requireNonNull(role, "message role");
        if (content != null && parts != null) throw new IllegalArgumentException("message has both content and content parts");
        parts = parts == null ? null : List.copyOf(parts);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public static ChatMessage system(String content) { return new ChatMessage("system", content, null, null, null, null); }

    public static ChatMessage user(String content) { return new ChatMessage("user", content, null, null, null, null); }

    public static ChatMessage user(List<ContentPart> parts) { return new ChatMessage("user", null, parts, null, null, null); }

    public static ChatMessage assistant(String content) { return new ChatMessage("assistant", content, null, null, null, null); }

    /** An assistant turn that calls tools; {@code content} may be null. */
    public static ChatMessage assistant(String content, List<ToolCall> toolCalls) {
        return new ChatMessage("assistant", content, null, toolCalls, null, null);
    }

    /** The result of a tool call. */
    public static ChatMessage tool(String toolCallId, String name, String content) {
        return new ChatMessage("tool", content, null, null, toolCallId, name);
    }

    /**
     * The message as a template sees it — the shape llama.cpp gives minja: {@code role} and
     * {@code content} always (content null when absent, a list of {type, text} maps for parts),
     * {@code tool_calls} ([{type: "function", function: {name, arguments}, id}]) only when there
     * are calls, {@code name} and {@code tool_call_id} only when set.
     */
    public Map<String, Object> toTemplateValue() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        if (parts != null) {
            List<Object> ps = new ArrayList<>();
            for (ContentPart p : parts) {
                Map<String, Object> pm = new LinkedHashMap<>();
                pm.put("type", p.type());
                pm.put("text", p.text());
                ps.add(pm);
            }
            m.put("content", ps);
        } else {
            m.put("content", content);
        }
        if (name != null) m.put("name", name);
        if (toolCallId != null) m.put("tool_call_id", toolCallId);
        if (!toolCalls.isEmpty()) {
            List<Object> calls = new ArrayList<>();
            for (ToolCall tc : toolCalls) {
                Map<String, Object> fn = new LinkedHashMap<>();
                fn.put("name", tc.name());
                fn.put("arguments", tc.arguments());
                Map<String, Object> call = new LinkedHashMap<>();
                call.put("type", "function");
                call.put("function", fn);
                if (tc.id() != null) call.put("id", tc.id());
                calls.add(call);
            }
            m.put("tool_calls", calls);
        }
        return m;
    }
}
