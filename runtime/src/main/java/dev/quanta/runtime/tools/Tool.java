package dev.quanta.runtime.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A function the model may call: OpenAI's {@code {"type": "function", "function": {"name",
 * "description", "parameters"}}}.
 *
 * @param name        the function name ({@code [a-zA-Z0-9_.-]{1,64}})
 * @param description what it does (may be null)
 * @param parameters  a JSON Schema of the arguments object (null: any object)
 */
public record Tool(String name, String description, JsonNode parameters) {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,64}");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public Tool {
        Objects.requireNonNull(name, "tool name");
        if (!NAME.matcher(name).matches())
            throw new IllegalArgumentException("tool name '" + name + "' must be 1 to 64 of a-z, A-Z, 0-9, '_', '.', '-'");
    }

    /** From OpenAI's {@code tools[i]} object (or its {@code function} member). */
    public static Tool fromOpenAi(JsonNode tool) {
        JsonNode f = tool.has("function") ? tool.get("function") : tool;
        if (tool.has("type") && !"function".equals(tool.get("type").asText()))
            throw new IllegalArgumentException("tool type '" + tool.get("type").asText() + "' is not supported (only \"function\")");
        JsonNode name = f.get("name");
        if (name == null || !name.isTextual()) throw new IllegalArgumentException("tool without a \"name\"");
        JsonNode d = f.get("description");
        JsonNode p = f.get("parameters");
        return new Tool(name.asText(), d == null || d.isNull() ? null : d.asText(), p == null || p.isNull() ? null : p);
    }

    /** From OpenAI's tool JSON text. */
    public static Tool fromOpenAi(String json) {
        try {
            return fromOpenAi(MAPPER.readTree(json));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("tool is not valid JSON: " + e.getOriginalMessage());
        }
    }
}
