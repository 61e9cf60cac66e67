package dev.quanta.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The server's JSON: one shared mapper, and typed reads of request fields that fail as 400s naming the field. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {}

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static byte[] bytes(JsonNode n) {
        try {
            return MAPPER.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String string(JsonNode n) {
        try {
            return MAPPER.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a request body that must be a JSON object. */
    static ObjectNode parseObject(byte[] body) {
        JsonNode n;
        try {
            n = MAPPER.readTree(body);
        } catch (IOException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage();
            int nl = m.indexOf('\n');
            throw ApiException.badRequest(null, "Request body is not valid JSON: " + (nl > 0 ? m.substring(0, nl) : m));
        }
        if (n == null || !n.isObject()) throw ApiException.badRequest(null, "Request body must be a JSON object");
        return (ObjectNode) n;
    }

    /** The field, or null when absent or JSON null. */
    static JsonNode field(JsonNode o, String name) {
        JsonNode n = o.get(name);
        return n == null || n.isNull() ? null : n;
    }

    static String text(JsonNode o, String name, String dflt) {
        JsonNode n = field(o, name);
        if (n == null) return dflt;
        if (!n.isTextual()) throw ApiException.badRequest(name, "'" + name + "' must be a string");
        return n.asText();
    }

    static boolean bool(JsonNode o, String name, boolean dflt) {
        JsonNode n = field(o, name);
        if (n == null) return dflt;
        if (!n.isBoolean()) throw ApiException.badRequest(name, "'" + name + "' must be true or false");
        return n.asBoolean();
    }

    /** A number in [min, max]; {@code dflt} when absent. */
    static double number(JsonNode o, String name, double dflt, double min, double max) {
        JsonNode n = field(o, name);
        if (n == null) return dflt;
        if (!n.isNumber()) throw ApiException.badRequest(name, "'" + name + "' must be a number");
        double v = n.asDouble();
        if (!(v >= min && v <= max)) throw ApiException.badRequest(name, "'" + name + "' must be between " + fmt(min) + " and " + fmt(max) + ", got " + n.asText());
        return v;
    }

    /** An integer in [min, max]; {@code dflt} when absent. */
    static long integer(JsonNode o, String name, long dflt, long min, long max) {
        JsonNode n = field(o, name);
        if (n == null) return dflt;
        if (!n.isIntegralNumber() && !(n.isNumber() && n.asDouble() == Math.rint(n.asDouble())))
            throw ApiException.badRequest(name, "'" + name + "' must be an integer");
        if (!n.canConvertToLong()) throw ApiException.badRequest(name, "'" + name + "' is out of range");
        long v = n.asLong();
        if (v < min || v > max) throw ApiException.badRequest(name, "'" + name + "' must be between " + min + " and " + max + ", got " + v);
        return v;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
