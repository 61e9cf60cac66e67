package dev.quanta.runtime.grammar;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON Schema to GBNF, in the manner of llama.cpp's json-schema-to-grammar: every generated
 * string is JSON that validates against the schema (for the supported keywords), laid out with
 * at most a little whitespace.
 *
 * <p>Supported: {@code type} (object, array, string, number, integer, boolean, null, and lists of
 * them), {@code properties}/{@code required} (required properties first, then optional ones, each
 * group in declared order), {@code additionalProperties} (false/true/schema; absent = no extra
 * keys are generated), {@code enum}, {@code const}, {@code anyOf}, {@code oneOf} (as anyOf: the
 * branches are not made exclusive), {@code allOf} of object schemas (merged), {@code items},
 * {@code prefixItems} (all prefix items are generated), {@code minItems}/{@code maxItems},
 * {@code minLength}/{@code maxLength}, {@code format} date, time, date-time, uuid, {@code pattern}
 * (see {@link RegexToGbnf}), integer {@code minimum}/{@code maximum}/exclusive forms exactly,
 * number {@code minimum >= 0} by sign only, and local {@code $ref} into {@code $defs},
 * {@code definitions} or any JSON pointer of the document. What is accepted but not enforced is
 * listed in {@link Result#notEnforced()}; keywords that would constrain the output and cannot be
 * honoured are errors naming the keyword and where it is.
 */
public final class JsonSchemaGrammar {
    /** The GBNF text and the list of schema constraints it does not enforce. */
    public record Result(String gbnf, List<String> notEnforced) {
        public Grammar compile() {
            return Grammar.parse(gbnf);
        }
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final Map<String, String> PRIMITIVES = new LinkedHashMap<>();
    private static final Map<String, List<String>> DEPS = new HashMap<>();

    private static void prim(String name, String body, String... deps) {
        PRIMITIVES.put(name, body);
        DEPS.put(name, List.of(deps));
    }

    static {
        prim("space", "| \" \" | \"\\n\"{1,2} [ \\t]{0,20}");
        prim("boolean", "(\"true\" | \"false\") space", "space");
        prim("null", "\"null\" space", "space");
        prim("integral-part", "[0] | [1-9] [0-9]{0,15}");
        prim("decimal-part", "[0-9]{1,16}");
        prim("number", "(\"-\"? integral-part) (\".\" decimal-part)? ([eE] [-+]? integral-part)? space",
                "integral-part", "decimal-part", "space");
        prim("integer", "(\"-\"? integral-part) space", "integral-part", "space");
        prim("hex", "[0-9a-fA-F]");
        prim("u-escape", "[0-9a-cA-C] hex hex hex | [dD] [0-7] hex hex | [eEfF] hex hex hex", "hex");
        prim("char", "[^\"\\\\\\x7F\\x00-\\x1F] | [\\\\] ([\"\\\\/bfnrt] | \"u\" u-escape)", "u-escape");
        prim("string", "\"\\\"\" char* \"\\\"\" space", "char", "space");
        prim("value", "object | array | string | number | boolean | null",
                "object", "array", "string", "number", "boolean", "null");
        prim("object", "\"{\" space ( string \":\" space value (\",\" space string \":\" space value)* )? \"}\" space",
                "string", "value", "space");
        prim("array", "\"[\" space ( value (\",\" space value)* )? \"]\" space", "value", "space");
        prim("date", "[0-9]{4} \"-\" ( (\"0\" [13578] | \"1\" [02]) \"-\" (\"0\" [1-9] | [12] [0-9] | \"3\" [01])"
                + " | (\"0\" [469] | \"11\") \"-\" (\"0\" [1-9] | [12] [0-9] | \"30\")"
                + " | \"02-\" (\"0\" [1-9] | \"1\" [0-9] | \"2\" [0-8]) )");
        prim("time", "([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9] \":\" [0-5] [0-9] (\".\" [0-9]{1,9})?"
                + " (\"Z\" | [+-] (\"0\" [0-9] | \"1\" [0-3]) \":\" [0-5] [0-9] | [+-] \"14:00\")"); // real-world offsets (-13:59..+14:00)
        prim("date-time", "date \"T\" time", "date", "time");
        prim("uuid", "hex{8} \"-\" hex{4} \"-\" hex{4} \"-\" hex{4} \"-\" hex{12}", "hex");
        prim("date-string", "\"\\\"\" date \"\\\"\" space", "date", "space");
        prim("time-string", "\"\\\"\" time \"\\\"\" space", "time", "space");
        prim("date-time-string", "\"\\\"\" date-time \"\\\"\" space", "date-time", "space");
        prim("uuid-string", "\"\\\"\" uuid \"\\\"\" space", "uuid", "space");
    }

    /** GBNF for any JSON value (whitespace-tolerant, llama.cpp's json grammar shape). */
    public static final String JSON_VALUE_GBNF = primitivesGrammar("value");
    /** GBNF for a JSON object: OpenAI's {@code response_format: {"type": "json_object"}}. */
    public static final String JSON_OBJECT_GBNF = primitivesGrammar("object");

    private static String primitivesGrammar(String root) {
        JsonSchemaGrammar c = new JsonSchemaGrammar(MAPPER.createObjectNode());
        c.rules.put("root", root);
        c.usePrimitive(root);
        return c.render();
    }

    private static final Set<String> UNSUPPORTED = Set.of("not", "if", "then", "else", "patternProperties", "propertyNames",
            "dependentSchemas", "dependentRequired", "dependencies", "contains", "minContains", "maxContains", "multipleOf",
            "minProperties", "maxProperties", "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef");

    private final JsonNode root;
    private final LinkedHashMap<String, String> rules = new LinkedHashMap<>();
    private final Map<String, String> refNames = new HashMap<>();
    private final List<String> notEnforced = new ArrayList<>();

    private JsonSchemaGrammar(JsonNode root) {
        this.root = root;
    }

    /** Converts a schema given as JSON text. */
    public static Result fromSchema(String schemaJson) {
        try {
            return fromSchema(MAPPER.readTree(schemaJson));
        } catch (JsonProcessingException e) {
            throw new GrammarException("JSON Schema is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** Converts a parsed schema. */
    public static Result fromSchema(JsonNode schema) {
        JsonSchemaGrammar c = new JsonSchemaGrammar(schema);
        String body = c.body(schema, "root", "#");
        c.rules.put("root", body);
        return new Result(c.render(), List.copyOf(c.notEnforced));
    }

    private String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("root ::= ").append(rules.get("root")).append('\n');
        for (Map.Entry<String, String> e : rules.entrySet()) {
            if (!e.getKey().equals("root")) sb.append(e.getKey()).append(" ::= ").append(e.getValue()).append('\n');
        }
        return sb.toString();
    }

    private String usePrimitive(String name) {
        if (!rules.containsKey(name)) {
            rules.put(name, PRIMITIVES.get(name));
            for (String d : DEPS.get(name)) usePrimitive(d);
        }
        return name;
    }

    private static GrammarException error(String path, String what) {
        return new GrammarException("JSON Schema at " + path + ": " + what);
    }

    private static String sanitize(String s) {
        String r = s.replaceAll("[^a-zA-Z0-9-]+", "-");
        return r.isEmpty() ? "x" : r;
    }

    /** Adds a rule (unique name derived from {@code name}) and returns its name. */
    private String addRule(String name, String body) {
        String base = sanitize(name);
        if (PRIMITIVES.containsKey(base) || base.equals("root")) base = base + "-r";
        String n = base;
        for (int i = 1; rules.containsKey(n); i++) {
            if (rules.get(n).equals(body)) return n;
            n = base + "-" + i;
        }
        rules.put(n, body);
        return n;
    }

    private String visit(JsonNode s, String name, String path) {
        String b = body(s, name, path);
        return b.matches("[a-zA-Z0-9-]+") ? b : addRule(name, b);
    }

    /** A GBNF expression for values valid against {@code s}. */
    private String body(JsonNode s, String name, String path) {
        if (s.isBoolean()) {
            if (!s.booleanValue()) throw error(path, "schema 'false' accepts nothing");
            return usePrimitive("value");
        }
        if (!s.isObject()) throw error(path, "a schema must be an object or a boolean, found " + s.getNodeType());
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (UNSUPPORTED.contains(k)) throw error(path, "keyword '" + k + "' is not supported");
        }
        if (s.path("uniqueItems").asBoolean(false)) throw error(path, "keyword 'uniqueItems' is not supported");
        if (s.has("$ref")) {
            requireNoSiblings(s, path, "$ref", "type", "properties", "items", "enum", "const", "anyOf", "oneOf", "allOf");
            return ref(s.get("$ref").asText(), path);
        }
        if (s.has("const")) return addRule(name, literalValue(s.get("const")));
        if (s.has("enum")) {
            List<String> alts = new ArrayList<>();
            for (JsonNode v : s.get("enum")) if (matchesType(v, s.get("type"))) alts.add(literalValue(v));
            if (alts.isEmpty()) throw error(path, "'enum' has no value (of the given type)");
            return "(" + String.join(" | ", alts) + ")";
        }
        for (String k : new String[] {"anyOf", "oneOf"}) {
            if (s.has(k)) {
                requireNoSiblings(s, path, k, "type", "properties", "items", "allOf");
                if (k.equals("oneOf")) notEnforced.add(path + ": oneOf is generated as anyOf (branches are not made mutually exclusive)");
                List<String> alts = new ArrayList<>();
                int i = 0;
                for (JsonNode sub : s.get(k)) {
                    alts.add(visit(sub, name + "-" + i, path + "/" + k + "/" + i));
                    i++;
                }
                if (alts.isEmpty()) throw error(path, "'" + k + "' is empty");
                return "(" + String.join(" | ", alts) + ")";
            }
        }
        if (s.has("allOf")) return body(mergeAllOf(s, path), name, path);
        JsonNode type = s.get("type");
        if (type != null && type.isArray()) {
            List<String> alts = new ArrayList<>();
            for (JsonNode t : type) {
                ObjectNode copy = ((ObjectNode) s).deepCopy();
                copy.set("type", t);
                alts.add(visit(copy, name + "-" + t.asText(), path));
            }
            if (alts.isEmpty()) throw error(path, "'type' is an empty list");
            return "(" + String.join(" | ", alts) + ")";
        }
        String t = type != null ? type.asText() : inferType(s);
        return switch (t) {
            case "object" -> objectBody(s, name, path);
            case "array" -> arrayBody(s, name, path);
            case "string" -> stringBody(s, name, path);
            case "integer" -> integerBody(s, path);
            case "number" -> numberBody(s, path);
            case "boolean" -> usePrimitive("boolean");
            case "null" -> usePrimitive("null");
            case "any" -> usePrimitive("value");
            default -> throw error(path, "unknown type '" + t + "'");
        };
    }

    private static String inferType(JsonNode s) {
        if (s.has("properties") || s.has("additionalProperties") || s.has("required")) return "object";
        if (s.has("items") || s.has("prefixItems") || s.has("minItems") || s.has("maxItems")) return "array";
        if (s.has("pattern") || s.has("format") || s.has("minLength") || s.has("maxLength")) return "string";
        if (s.has("minimum") || s.has("maximum") || s.has("exclusiveMinimum") || s.has("exclusiveMaximum")) return "number";
        return "any";
    }

    private static boolean matchesType(JsonNode v, JsonNode type) {
        if (type == null) return true;
        if (type.isArray()) {
            for (JsonNode t : type) if (matchesType(v, t)) return true;
            return false;
        }
        return switch (type.asText()) {
            case "string" -> v.isTextual();
            case "integer" -> v.isIntegralNumber() || (v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0);
            case "number" -> v.isNumber();
            case "boolean" -> v.isBoolean();
            case "null" -> v.isNull();
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            default -> true;
        };
    }

    private void requireNoSiblings(JsonNode s, String path, String keyword, String... others) {
        for (String o : others) {
            if (!o.equals(keyword) && s.has(o)) throw error(path, "'" + keyword + "' together with '" + o + "' is not supported");
        }
    }

    private String literalValue(JsonNode v) {
        try {
            return gbnfLiteral(MAPPER.writeValueAsString(v)) + " " + usePrimitive("space");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A GBNF string literal for {@code text}. */
    static String gbnfLiteral(String text) {
        StringBuilder sb = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7F) sb.append(String.format("\\x%02X", c));
                    else sb.appendCodePoint(c);
                }
            }
        });
        return sb.append('"').toString();
    }

    private String ref(String ref, String path) {
        String known = refNames.get(ref);
        if (known != null) return known;
        if (!ref.startsWith("#")) throw error(path, "only local $ref ('#/...') is supported, not '" + ref + "'");
        JsonNode target = root;
        String pointer = URLDecoder.decode(ref.substring(1), StandardCharsets.UTF_8);
        if (!pointer.isEmpty()) {
            if (!pointer.startsWith("/")) throw error(path, "$ref '" + ref + "' is not a JSON pointer (anchors are not supported)");
            for (String part : pointer.substring(1).split("/", -1)) {
                String key = part.replace("~1", "/").replace("~0", "~");
                target = target.isArray() && key.matches("\\d+") ? target.path(Integer.parseInt(key)) : target.path(key);
                if (target.isMissingNode()) throw error(path, "$ref '" + ref + "' points to nothing");
            }
        }
        String segment = pointer.isEmpty() ? "root-ref" : pointer.substring(pointer.lastIndexOf('/') + 1);
        String name = addRule("ref-" + segment, "\"\""); // reserve the name first: refs may recurse
        refNames.put(ref, name);
        rules.put(name, body(target, name, ref));
        return name;
    }

    private JsonNode mergeAllOf(JsonNode s, String path) {
        ObjectNode merged = MAPPER.createObjectNode();
        ObjectNode props = MAPPER.createObjectNode();
        Set<String> required = new LinkedHashSet<>();
        List<JsonNode> parts = new ArrayList<>();
        ObjectNode self = ((ObjectNode) s).deepCopy();
        self.remove("allOf");
        parts.add(self);
        for (JsonNode p : s.get("allOf")) parts.add(p);
        for (int i = 0; i < parts.size(); i++) {
            JsonNode p = parts.get(i);
            while (p.has("$ref")) p = resolve(p.get("$ref").asText(), path);
            for (Map.Entry<String, JsonNode> e : p.properties()) {
                switch (e.getKey()) {
                    case "properties" -> e.getValue().properties().forEach(f -> {
                        if (props.has(f.getKey())) throw error(path, "allOf: property '" + f.getKey() + "' is defined in more than one branch");
                        props.set(f.getKey(), f.getValue());
                    });
                    case "required" -> e.getValue().forEach(r -> required.add(r.asText()));
                    case "type" -> {
                        if (!e.getValue().asText().equals("object")) throw error(path, "allOf is supported for object schemas only");
                    }
                    case "additionalProperties" -> merged.set("additionalProperties", e.getValue());
                    case "title", "description", "$comment", "examples", "default", "$schema", "$id", "$defs", "definitions" -> { }
                    default -> throw error(path, "allOf branch with '" + e.getKey() + "' is not supported (only object properties/required are merged)");
                }
            }
        }
        merged.put("type", "object");
        merged.set("properties", props);
        merged.set("required", MAPPER.valueToTree(required));
        return merged;
    }

    private JsonNode resolve(String ref, String path) {
        if (!ref.startsWith("#/")) throw error(path, "only local $ref is supported, not '" + ref + "'");
        JsonNode t = root;
        for (String part : ref.substring(2).split("/")) t = t.path(part.replace("~1", "/").replace("~0", "~"));
        if (t.isMissingNode()) throw error(path, "$ref '" + ref + "' points to nothing");
        return t;
    }

    private String objectBody(JsonNode s, String name, String path) {
        JsonNode props = s.path("properties");
        Set<String> required = new LinkedHashSet<>();
        s.path("required").forEach(r -> required.add(r.asText()));
        List<String> req = new ArrayList<>(), opt = new ArrayList<>();
        Map<String, String> kvs = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : props.properties()) {
            kvs.put(e.getKey(), kv(e.getKey(), e.getValue(), name, path + "/properties/" + e.getKey()));
        }
        for (String r : required) {
            if (!kvs.containsKey(r)) kvs.put(r, kv(r, BooleanNodeTrue.TRUE, name, path + "/required"));
        }
        for (Map.Entry<String, String> e : kvs.entrySet()) (required.contains(e.getKey()) ? req : opt).add(e.getValue());
        JsonNode ap = s.get("additionalProperties");
        String addl = null;
        if (ap != null && !(ap.isBoolean() && !ap.booleanValue())) {
            String value = visit(ap, name + "-additional-value", path + "/additionalProperties");
            String key = kvs.isEmpty() ? usePrimitive("string") : notStrings(new ArrayList<>(kvs.keySet()), name + "-additional-key");
            addl = addRule(name + "-additional-kv", key + " \":\" space " + value);
        }
        usePrimitive("space");
        StringBuilder b = new StringBuilder("\"{\" space ");
        if (!req.isEmpty()) {
            b.append(String.join(" \",\" space ", req));
            for (String o : opt) b.append(" (\",\" space ").append(o).append(")?");
            if (addl != null) b.append(" (\",\" space ").append(addl).append(")*");
        } else {
            List<String> alts = new ArrayList<>();
            for (int i = 0; i < opt.size(); i++) {
                StringBuilder a = new StringBuilder(opt.get(i));
                for (int j = i + 1; j < opt.size(); j++) a.append(" (\",\" space ").append(opt.get(j)).append(")?");
                if (addl != null) a.append(" (\",\" space ").append(addl).append(")*");
                alts.add(a.toString());
            }
            if (addl != null) alts.add(addl + " (\",\" space " + addl + ")*");
            if (!alts.isEmpty()) b.append("(").append(String.join(" | ", alts)).append(")?");
        }
        return b.append(" \"}\" space").toString();
    }

    /** Holder so required-but-undeclared properties get an "any value" schema. */
    private static final class BooleanNodeTrue {
        static final JsonNode TRUE = com.fasterxml.jackson.databind.node.BooleanNode.TRUE;
    }

    private String kv(String prop, JsonNode schema, String name, String path) {
        String value = visit(schema, name + "-" + prop, path);
        String key = literalValue(MAPPER.getNodeFactory().textNode(prop));
        return addRule(name + "-" + prop + "-kv", key + " \":\" space " + value);
    }

    /** A JSON string key that is none of {@code names} (so extra keys never repeat declared ones); no escapes. */
    private String notStrings(List<String> names, String name) {
        // trie of the names' characters; at each trie node: end the key (unless a name ends exactly here)
        // or continue with a child char, or with any other char and then anything
        String plain = "[^\"\\\\\\x7F\\x00-\\x1F]";
        String rest = addRule(name + "-rest", plain + "* \"\\\"\" space");
        Map<String, Integer> dummy = new HashMap<>();
        String r = trieRule(names, "", name, plain, rest, dummy);
        return "\"\\\"\" " + r;
    }

    private String trieRule(List<String> names, String prefix, String name, String plain, String rest, Map<String, Integer> counter) {
        List<String> alts = new ArrayList<>();
        boolean isName = names.contains(prefix);
        if (!isName) alts.add("\"\\\"\" space");
        LinkedHashMap<Integer, List<String>> children = new LinkedHashMap<>();
        for (String n : names) {
            if (n.startsWith(prefix) && n.length() > prefix.length()) {
                int cp = n.codePointAt(prefix.length());
                children.computeIfAbsent(cp, k -> new ArrayList<>()).add(n);
            }
        }
        List<Integer> excluded = new ArrayList<>();
        for (Map.Entry<Integer, List<String>> c : children.entrySet()) {
            int cp = c.getKey();
            if (cp == '"' || cp == '\\' || cp < 0x20 || cp == 0x7F) continue; // such names can never be produced here
            excluded.add(cp);
            String child = trieRule(c.getValue(), prefix + new String(Character.toChars(cp)), name, plain, rest, counter);
            alts.add(gbnfLiteral(new String(Character.toChars(cp))) + " " + child);
        }
        StringBuilder other = new StringBuilder("[^\"\\\\\\x7F\\x00-\\x1F");
        for (int cp : excluded) other.append(RegexToGbnf.gbnfClass(new int[] {cp, cp}), 1, RegexToGbnf.gbnfClass(new int[] {cp, cp}).length() - 1);
        other.append("]");
        alts.add(other + " " + rest);
        int n = counter.merge("n", 1, Integer::sum);
        return addRule(name + "-" + n, String.join(" | ", alts));
    }

    private String arrayBody(JsonNode s, String name, String path) {
        int min = s.path("minItems").asInt(0);
        int max = s.has("maxItems") ? s.get("maxItems").asInt() : -1;
        JsonNode prefix = s.has("prefixItems") ? s.get("prefixItems") : (s.path("items").isArray() ? s.get("items") : null);
        JsonNode items = s.has("prefixItems") || s.path("items").isArray()
                ? (s.has("prefixItems") ? s.get("items") : s.get("additionalItems")) : s.get("items");
        usePrimitive("space");
        if (max != -1 && max < min) throw error(path, "maxItems below minItems");
        List<String> parts = new ArrayList<>();
        int k = 0;
        if (prefix != null) {
            for (JsonNode p : prefix) {
                parts.add(visit(p, name + "-" + k, path + "/prefixItems/" + k));
                k++;
            }
            if (max != -1 && max < k) throw error(path, "maxItems below the number of prefixItems is not supported");
        }
        boolean noExtra = items != null && items.isBoolean() && !items.booleanValue();
        String item = noExtra ? null : items == null ? (prefix != null && min <= k ? null : usePrimitive("value"))
                : visit(items, name + "-item", path + "/items");
        int extraMin = Math.max(0, min - k);
        int extraMax = max == -1 ? -1 : max - k;
        if (item == null) {
            if (extraMin > 0) throw error(path, "minItems needs more items than the schema allows");
            extraMax = 0;
        }
        StringBuilder b = new StringBuilder("\"[\" space ");
        if (k > 0) {
            b.append(String.join(" \",\" space ", parts));
            if (extraMax != 0) b.append(" (\",\" space ").append(item).append(")").append(rep(extraMin, extraMax));
        } else if (extraMax != 0) {
            String tail = " (\",\" space " + item + ")" + rep(Math.max(0, extraMin - 1), extraMax == -1 ? -1 : extraMax - 1);
            if (extraMin == 0) b.append("(").append(item).append(tail).append(")?");
            else b.append(item).append(tail);
        }
        return b.append(" \"]\" space").toString();
    }

    private static String rep(int min, int max) {
        if (max == -1) return min == 0 ? "*" : min == 1 ? "+" : "{" + min + ",}";
        if (min == max) return "{" + min + "}";
        return "{" + min + "," + max + "}";
    }

    private String stringBody(JsonNode s, String name, String path) {
        usePrimitive("space");
        if (s.has("pattern")) {
            if (s.has("minLength") || s.has("maxLength")) notEnforced.add(path + ": minLength/maxLength are not enforced together with 'pattern'");
            if (s.has("format")) notEnforced.add(path + ": 'format' is not enforced together with 'pattern'");
            String expr = RegexToGbnf.translate(s.get("pattern").asText(), usePrimitive("char"));
            return "\"\\\"\" " + expr + " \"\\\"\" space";
        }
        if (s.has("format")) {
            String f = s.get("format").asText();
            switch (f) {
                case "date", "time", "date-time", "uuid" -> {
                    if (s.has("minLength") || s.has("maxLength")) notEnforced.add(path + ": minLength/maxLength are not enforced together with 'format'");
                    return usePrimitive(f + "-string");
                }
                default -> notEnforced.add(path + ": format '" + f + "' is not enforced (any string is generated)");
            }
        }
        int min = s.path("minLength").asInt(0);
        int max = s.has("maxLength") ? s.get("maxLength").asInt() : -1;
        if (max != -1 && max < min) throw error(path, "maxLength below minLength");
        String c = usePrimitive("char");
        if (min == 0 && max == -1) return usePrimitive("string");
        return "\"\\\"\" " + c + rep(min, max) + " \"\\\"\" space";
    }

    private String numberBody(JsonNode s, String path) {
        boolean hasBounds = s.has("minimum") || s.has("maximum") || s.has("exclusiveMinimum") || s.has("exclusiveMaximum");
        if (!hasBounds) return usePrimitive("number");
        usePrimitive("integral-part");
        usePrimitive("decimal-part");
        usePrimitive("space");
        String body = "(\"-\"? integral-part) (\".\" decimal-part)? ([eE] [-+]? integral-part)? space";
        BigDecimal min = s.has("minimum") && s.get("minimum").isNumber() ? s.get("minimum").decimalValue() : null;
        if (min != null && min.signum() == 0 && !s.has("maximum") && !s.has("exclusiveMaximum") && !s.has("exclusiveMinimum")) {
            return "integral-part (\".\" decimal-part)? ([eE] [-+]? integral-part)? space";
        }
        notEnforced.add(path + ": number bounds (minimum/maximum/exclusive*) are not enforced except 'minimum: 0'");
        return body;
    }

    private static final long LIMIT = 1_000_000_000_000_000L;

    private String integerBody(JsonNode s, String path) {
        Long min = null, max = null;
        if (s.has("minimum")) min = ceil(s.get("minimum"), path);
        if (s.has("exclusiveMinimum") && s.get("exclusiveMinimum").isNumber()) {
            long v = floor(s.get("exclusiveMinimum"), path) + 1;
            min = min == null ? v : Math.max(min, v);
        }
        if (s.has("maximum")) max = floor(s.get("maximum"), path);
        if (s.has("exclusiveMaximum") && s.get("exclusiveMaximum").isNumber()) {
            long v = ceil(s.get("exclusiveMaximum"), path) - 1;
            max = max == null ? v : Math.min(max, v);
        }
        usePrimitive("space");
        if (min == null && max == null) return usePrimitive("integer");
        usePrimitive("integral-part");
        if (min != null && max != null && min > max) throw error(path, "integer range is empty (minimum above maximum)");
        return "(" + IntRanges.range(min, max) + ") space";
    }

    private static long ceil(JsonNode v, String path) {
        BigDecimal d = v.decimalValue();
        if (d.abs().compareTo(BigDecimal.valueOf(LIMIT)) >= 0) throw error(path, "integer bound " + d + " is too large (limit 1e18)");
        return d.setScale(0, java.math.RoundingMode.CEILING).longValueExact();
    }

    private static long floor(JsonNode v, String path) {
        BigDecimal d = v.decimalValue();
        if (d.abs().compareTo(BigDecimal.valueOf(LIMIT)) >= 0) throw error(path, "integer bound " + d + " is too large (limit 1e18)");
        return d.setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
    }
}
