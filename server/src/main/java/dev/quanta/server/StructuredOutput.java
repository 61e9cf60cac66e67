package dev.quanta.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quanta.runtime.sampling.GrammarSpec;

/**
 * The request fields that constrain a generation's output, read into a {@link GrammarSpec}:
 * <ul>
 *   <li>OpenAI's {@code response_format}: {@code {"type": "text"}} (none), {@code {"type": "json_object"}}
 *       (any JSON object; llama.cpp's extension {@code "schema"} in it is honoured), or
 *       {@code {"type": "json_schema", "json_schema": {"name", "schema", "strict"}}} (the schema is
 *       always enforced, {@code strict} or not);</li>
 *   <li>llama.cpp's {@code grammar} (GBNF text) and {@code json_schema} (a schema object);</li>
 *   <li>Ollama's {@code format}: {@code "json"} or a schema object.</li>
 * </ul>
 * At most one of them per request. The grammar itself is compiled when the request is submitted
 * ({@link Generations#submit}); a malformed one is a 400 naming the field it came from.
 */
final class StructuredOutput {
    private StructuredOutput() {}

    /** A grammar and the request field it came from (the {@code param} of a 400). */
    record Constraint(GrammarSpec spec, String param) {}

    /** OpenAI's {@code response_format} and llama.cpp's {@code grammar} / {@code json_schema}; null when none. */
    static Constraint openAi(JsonNode body) {
        Constraint c = null;
        JsonNode rf = Json.field(body, "response_format");
        if (rf != null) c = responseFormat(rf);
        JsonNode g = Json.field(body, "grammar");
        if (g != null) {
            if (!g.isTextual()) throw ApiException.badRequest("grammar", "'grammar' must be GBNF text");
            if (!g.asText().isBlank()) c = only(c, new Constraint(GrammarSpec.gbnf(g.asText()), "grammar"));
        }
        JsonNode js = Json.field(body, "json_schema");
        if (js != null) c = only(c, new Constraint(GrammarSpec.jsonSchema(schemaText(js, "json_schema")), "json_schema"));
        return c;
    }

    /** Ollama's {@code format}: "json" (any JSON object) or a JSON Schema object; null when absent or "". */
    static Constraint ollama(JsonNode body) {
        JsonNode f = Json.field(body, "format");
        if (f == null) return null;
        if (f.isTextual()) {
            if (f.asText().isEmpty()) return null;
            if (f.asText().equals("json")) return new Constraint(GrammarSpec.jsonObject(), "format");
            throw ApiException.badRequest("format", "'format' must be \"json\" or a JSON Schema object, got \"" + f.asText() + "\"");
        }
        return new Constraint(GrammarSpec.jsonSchema(schemaText(f, "format")), "format");
    }

    private static Constraint responseFormat(JsonNode rf) {
        if (!rf.isObject()) throw ApiException.badRequest("response_format", "'response_format' must be an object with a 'type'");
        JsonNode t = Json.field(rf, "type");
        if (t == null || !t.isTextual()) throw ApiException.badRequest("response_format.type", "'response_format.type' must be \"text\", \"json_object\" or \"json_schema\"");
        switch (t.asText()) {
            case "text" -> {
                return null;
            }
            case "json_object" -> {
                JsonNode schema = Json.field(rf, "schema"); // llama.cpp's extension
                if (schema != null) return new Constraint(GrammarSpec.jsonSchema(schemaText(schema, "response_format.schema")), "response_format.schema");
                return new Constraint(GrammarSpec.jsonObject(), "response_format");
            }
            case "json_schema" -> {
                JsonNode js = Json.field(rf, "json_schema");
                if (js == null || !js.isObject())
                    throw ApiException.badRequest("response_format.json_schema", "'response_format.json_schema' must be an object with 'name' and 'schema'");
                JsonNode name = Json.field(js, "name");
                if (name != null && !name.isTextual())
                    throw ApiException.badRequest("response_format.json_schema.name", "'response_format.json_schema.name' must be a string");
                JsonNode strict = Json.field(js, "strict");
                if (strict != null && !strict.isBoolean())
                    throw ApiException.badRequest("response_format.json_schema.strict", "'response_format.json_schema.strict' must be true or false");
                JsonNode schema = Json.field(js, "schema");
                // OpenAI allows a json_schema without "schema": any JSON object then
                if (schema == null) return new Constraint(GrammarSpec.jsonObject(), "response_format.json_schema");
                return new Constraint(GrammarSpec.jsonSchema(schemaText(schema, "response_format.json_schema.schema")), "response_format.json_schema.schema");
            }
            default -> throw ApiException.badRequest("response_format.type",
                    "'response_format.type' must be \"text\", \"json_object\" or \"json_schema\", got \"" + t.asText() + "\"");
        }
    }

    /** A schema given as an object (or, as some clients send it, as JSON text). */
    private static String schemaText(JsonNode schema, String param) {
        if (schema.isObject()) return Json.string(schema);
        if (schema.isBoolean()) return schema.asBoolean() ? "{}" : failSchema(param, "'" + param + "' is the schema false, which accepts nothing");
        if (schema.isTextual()) {
            JsonNode parsed;
            try {
                parsed = Json.MAPPER.readTree(schema.asText());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw ApiException.badRequest(param, "'" + param + "' is not valid JSON: " + e.getOriginalMessage());
            }
            if (parsed != null && parsed.isObject()) return Json.string(parsed);
        }
        return failSchema(param, "'" + param + "' must be a JSON Schema object");
    }

    private static String failSchema(String param, String message) {
        throw ApiException.badRequest(param, message);
    }

    private static Constraint only(Constraint a, Constraint b) {
        if (a != null)
            throw ApiException.badRequest(b.param(), "'" + b.param() + "' cannot be combined with '" + a.param().split("\\.")[0] + "': give one output constraint");
        return b;
    }
}
