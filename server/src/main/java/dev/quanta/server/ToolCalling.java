package dev.quanta.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quanta.loader.template.ChatMessage;
import dev.quanta.loader.template.ChatTemplate;
import dev.quanta.runtime.Model;
import dev.quanta.runtime.grammar.GrammarException;
import dev.quanta.runtime.sampling.GrammarSpec;
import dev.quanta.runtime.tools.Tool;
import dev.quanta.runtime.tools.ToolCall;
import dev.quanta.runtime.tools.ToolCallFormat;
import dev.quanta.runtime.tools.ToolCallGrammar;
import dev.quanta.runtime.tools.ToolCallParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A chat request's {@code tools}, {@code tool_choice} and {@code parallel_tool_calls}:
 * <ul>
 *   <li>the tools go to the chat template (which writes them into the prompt the model's way), or,
 *       when the template knows no tools, into a system message ({@link #messages});</li>
 *   <li>{@code "auto"} (the default with tools): the answer is parsed for tool calls in the model's
 *       format ({@link ToolCallFormat#forModel}: Llama 3.1+, Hermes/Qwen 2.5, Mistral, or a generic
 *       JSON object) by {@link ToolCallParser};</li>
 *   <li>{@code "required"} or {@code {"type": "function", "function": {"name": ...}}}: a grammar
 *       ({@link ToolCallGrammar}) forces a call in that format whose arguments follow the tool's
 *       {@code parameters} schema;</li>
 *   <li>{@code "none"}: the tools are left out of the prompt and the answer is plain content.</li>
 * </ul>
 * {@code parallel_tool_calls} (default false, as llama.cpp) lets a forced answer hold several calls.
 */
final class ToolCalling {
    final List<Tool> tools;
    final List<Map<String, Object>> templateTools;
    final ToolCallFormat format;
    /** The grammar that forces a call, or null for "auto". */
    final StructuredOutput.Constraint constraint;

    private ToolCalling(List<Tool> tools, List<Map<String, Object>> templateTools, ToolCallFormat format,
                        StructuredOutput.Constraint constraint) {
        this.tools = tools;
        this.templateTools = templateTools;
        this.format = format;
        this.constraint = constraint;
    }

    /** The request's tools, or null when it has none or {@code tool_choice} is "none". */
    static ToolCalling read(JsonNode body, Model model) {
        JsonNode t = Json.field(body, "tools");
        JsonNode choice = Json.field(body, "tool_choice");
        if (t == null || (t.isArray() && t.isEmpty())) {
            if (choice != null && !(choice.isTextual() && (choice.asText().equals("none") || choice.asText().equals("auto"))))
                throw ApiException.badRequest("tool_choice", "'tool_choice' needs 'tools'");
            return null;
        }
        if (!t.isArray()) throw ApiException.badRequest("tools", "'tools' must be a list of {\"type\": \"function\", \"function\": {...}}");
        List<Tool> tools = new ArrayList<>();
        List<Map<String, Object>> values = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            JsonNode n = t.get(i);
            String where = "tools[" + i + "]";
            if (!n.isObject()) throw ApiException.badRequest(where, "'" + where + "' must be an object");
            JsonNode f = Json.field(n, "function");
            if (f == null || !f.isObject()) throw ApiException.badRequest(where, "'" + where + "' needs a 'function' object");
            JsonNode p = Json.field(f, "parameters");
            if (p != null && !p.isObject()) throw ApiException.badRequest(where + ".function.parameters", "'" + where + ".function.parameters' must be a JSON Schema object");
            Tool tool;
            try {
                tool = Tool.fromOpenAi(n);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(where, where + ": " + e.getMessage());
            }
            for (Tool o : tools) if (o.name().equals(tool.name())) throw ApiException.badRequest(where, "two tools are named '" + tool.name() + "'");
            tools.add(tool);
            values.add(templateValue(n));
        }

        String only = null;
        boolean required;
        if (choice == null) {
            required = false;
        } else if (choice.isTextual()) {
            switch (choice.asText()) {
                case "none" -> {
                    return null;
                }
                case "auto" -> required = false;
                case "required" -> required = true;
                default -> throw ApiException.badRequest("tool_choice", "'tool_choice' must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}");
            }
        } else if (choice.isObject() && Json.field(choice, "function") != null && Json.field(choice, "function").isObject()) {
            only = Json.text(Json.field(choice, "function"), "name", null);
            if (only == null) throw ApiException.badRequest("tool_choice", "'tool_choice.function.name' is required");
            required = true;
        } else {
            throw ApiException.badRequest("tool_choice", "'tool_choice' must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}");
        }

        ToolCallFormat format = ToolCallFormat.forModel(model);
        StructuredOutput.Constraint constraint = null;
        if (required) {
            boolean parallel = Json.bool(body, "parallel_tool_calls", false);
            String gbnf;
            try {
                gbnf = ToolCallGrammar.gbnf(format, tools, only, parallel);
            } catch (GrammarException e) {
                throw ApiException.badRequest("tools", "a tool's parameters cannot be enforced: " + e.getMessage());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("tool_choice", e.getMessage());
            }
            constraint = new StructuredOutput.Constraint(GrammarSpec.gbnf(gbnf), only == null ? "tools" : "tool_choice");
        }
        return new ToolCalling(List.copyOf(tools), values, format, constraint);
    }

    /** A tool as the chat template sees it: the request's JSON turned into maps, lists, strings and numbers. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> templateValue(JsonNode tool) {
        ObjectNode o = tool.deepCopy();
        if (Json.field(o, "type") == null) o.put("type", "function");
        return (Map<String, Object>) dev.quanta.loader.template.jinja.Json.parse(Json.string(o));
    }

    /**
     * The conversation as the template should see it. A template that knows tools (its source
     * mentions {@code tools}) gets it unchanged, with the tools as its {@code tools} variable.
     * Otherwise (as llama.cpp's generic handler) the tools are described in a system message, and
     * earlier assistant calls, which such a template would drop, are written into the assistant's
     * content as the JSON the model is asked to answer with.
     */
    List<ChatMessage> messages(List<ChatMessage> messages, ChatTemplate template) {
        String src = template.source() == null ? "" : template.source();
        if (src.contains("tools")) return messages;
        List<ChatMessage> out = new ArrayList<>(messages.size() + 1);
        ArrayNode list = Json.MAPPER.createArrayNode();
        for (Map<String, Object> t : templateTools) list.add(Json.MAPPER.valueToTree(t));
        String note = "You can call these tools:\n" + Json.string(list) + "\n\nTo call a tool, answer only with a JSON object "
                + "{\"name\": <tool name>, \"" + format.argumentsKey() + "\": <arguments object>}. Otherwise answer normally.";
        boolean placed = false;
        for (ChatMessage m : messages) {
            if (!placed && m.role().equals("system")) { // one system message: the note joins it
                String text = m.content() == null ? note : m.content() + "\n\n" + note;
                out.add(new ChatMessage("system", text, null, null, null, null));
                placed = true;
                continue;
            }
            if (!m.toolCalls().isEmpty() && !src.contains("tool_calls")) {
                ArrayNode calls = Json.MAPPER.createArrayNode();
                for (ChatMessage.ToolCall c : m.toolCalls()) {
                    ObjectNode o = calls.addObject().put("name", c.name());
                    o.set(format.argumentsKey(), Json.MAPPER.valueToTree(c.arguments()));
                }
                String json = calls.size() == 1 ? Json.string(calls.get(0)) : Json.string(Json.object().set("tool_calls", calls));
                String text = m.content() == null || m.content().isBlank() ? json : m.content() + "\n" + json;
                out.add(new ChatMessage(m.role(), text, null, null, null, null));
                continue;
            }
            out.add(m);
        }
        if (!placed) out.addFirst(ChatMessage.system(note));
        return out;
    }

    /** A parser for one answer. */
    ToolCallParser parser() {
        return new ToolCallParser(format);
    }

    /** OpenAI's {@code tool_calls} list for a message. */
    static ArrayNode toJson(List<ToolCall> calls) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (ToolCall c : calls) {
            ObjectNode o = a.addObject();
            o.put("id", c.id());
            o.put("type", c.type());
            o.putObject("function").put("name", c.name()).put("arguments", c.arguments());
        }
        return a;
    }
}
