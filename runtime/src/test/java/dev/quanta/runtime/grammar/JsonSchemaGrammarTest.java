package dev.quanta.runtime.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.quanta.kernels.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * JSON Schema to GBNF: random generations (a seeded random "model" choosing among the allowed
 * tokens of a small vocabulary) must all parse and validate with networknt's JSON Schema
 * validator; hand-written instances must be accepted or refused like the validator does.
 */
class JsonSchemaGrammarTest {
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    static final String PERSON = """
            {"type": "object",
             "properties": {
               "name": {"type": "string", "minLength": 1, "maxLength": 12},
               "age": {"type": "integer", "minimum": 0, "maximum": 130},
               "email": {"type": "string", "pattern": "^[a-z]+@[a-z]+\\\\.(com|org)$"},
               "married": {"type": "boolean"},
               "spouse": {"type": "null"}
             },
             "required": ["age", "name"]}""";

    static final List<String> SCHEMAS = List.of(
            PERSON,
            """
            {"type": "object", "properties": {
               "tags": {"type": "array", "items": {"enum": ["red", "green", 3, null, {"k": [1]}]}, "minItems": 1, "maxItems": 4},
               "matrix": {"type": "array", "items": {"type": "array", "items": {"type": "number"}, "maxItems": 3}, "maxItems": 2},
               "point": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}], "items": false}
             }, "required": ["tags", "point"], "additionalProperties": false}""",
            """
            {"$defs": {"node": {"type": "object", "properties": {
                 "v": {"type": "integer", "exclusiveMinimum": -10, "exclusiveMaximum": 1000},
                 "children": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 2}},
               "required": ["v"]}},
             "$ref": "#/$defs/node"}""",
            """
            {"type": "object", "properties": {
               "d": {"type": "string", "format": "date"},
               "t": {"type": "string", "format": "time"},
               "dt": {"type": "string", "format": "date-time"},
               "id": {"type": "string", "format": "uuid"}},
             "required": ["d", "t", "dt", "id"]}""",
            """
            {"type": "array", "items": {"anyOf": [
               {"type": "string", "pattern": "^[a-z]+(-[a-z0-9]+)*$"},
               {"type": "string", "pattern": "^\\\\(\\\\d{3}\\\\) \\\\d{3}-\\\\d{4}$"},
               {"type": "string", "pattern": "ab"},
               {"type": ["integer", "null"], "minimum": 42},
               {"type": "integer", "maximum": -17},
               {"type": "integer", "minimum": -1000, "maximum": -3}]}}""",
            """
            {"type": "object", "properties": {"a": {"type": "integer"}, "ab": {"type": "string"}},
             "additionalProperties": {"type": "number", "minimum": 0}}""",
            """
            {"type": "object", "additionalProperties": true}""",
            """
            {"type": "object", "properties": {"x": {"type": "string", "minLength": 2, "maxLength": 4},
              "y": {"const": {"fixed": [true, "é"]}}, "z": {"type": "integer", "minimum": 7, "maximum": 123456}}}""",
            """
            {"allOf": [{"type": "object", "properties": {"a": {"type": "boolean"}}, "required": ["a"]},
                       {"properties": {"b": {"type": "string", "maxLength": 3}}, "required": ["b"]}]}""",
            """
            {"oneOf": [{"type": "object", "properties": {"kind": {"const": "circle"}, "r": {"type": "number", "minimum": 0}}, "required": ["kind", "r"], "additionalProperties": false},
                       {"type": "object", "properties": {"kind": {"const": "square"}, "side": {"type": "integer", "minimum": 1}}, "required": ["kind", "side"], "additionalProperties": false}]}""",
            "{}",
            """
            {"type": "object", "properties": {"p": {"type": "string"}, "q": {"type": "integer"}, "r": {"type": "boolean"}}}""");

    /** Random generation with the synthetic vocabulary; closing characters grow likelier with length. */
    static String generate(Grammar g, Random rnd) {
        GrammarVocabulary v = GrammarTokenTest.VOCAB;
        GrammarMatcher m = g.matcher(v);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BitSet allowed = new BitSet();
        for (int step = 0; step < 4000; step++) {
            m.fillMask(allowed);
            if (allowed.isEmpty()) fail("dead end after '" + out.toString(StandardCharsets.UTF_8) + "'");
            if (allowed.get(GrammarTokenTest.EOS) && (rnd.nextInt(3) > 0 || step > 400)) {
                m.accept(GrammarTokenTest.EOS);
                return decodeStrict(out.toByteArray());
            }
            int[] ids = allowed.stream().toArray();
            double[] w = new double[ids.length];
            double sum = 0;
            boolean inString = inString(out.toByteArray());
            double push = step < 30 ? 1 : step / 10.0; // the longer it runs, the more it steers to an end
            for (int i = 0; i < ids.length; i++) {
                double wi = 1;
                byte[] b = v.tokenBytes(ids[i]);
                if (b != null && b.length > 0) {
                    boolean quote = false, close = false, open = false;
                    for (byte x : b) { quote |= x == '"'; close |= x == '}' || x == ']'; open |= x == '{' || x == '['; }
                    if (inString) wi = quote ? push : 1;
                    else wi = close ? push : open || quote ? 1 / push : 1;
                }
                w[i] = wi;
                sum += wi;
            }
            double r = rnd.nextDouble() * sum;
            int pick = ids[ids.length - 1];
            for (int i = 0; i < ids.length; i++) { r -= w[i]; if (r < 0) { pick = ids[i]; break; } }
            if (pick != GrammarTokenTest.EOS) out.writeBytes(v.tokenBytes(pick));
            m.accept(pick);
            if (m.isEnded()) return decodeStrict(out.toByteArray());
        }
        fail("generation did not finish: " + out.toString(StandardCharsets.UTF_8));
        return null;
    }

    /** Whether JSON text so far ends inside a string literal (a tiny lexer: quotes and escapes). */
    static boolean inString(byte[] text) {
        boolean in = false;
        for (int i = 0; i < text.length; i++) {
            if (in && text[i] == '\\') i++;
            else if (text[i] == '"') in = !in;
        }
        return in;
    }

    static String decodeStrict(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("generated bytes are not valid UTF-8", e);
        }
    }

    static List<Error> validate(Schema schema, String instance) throws Exception {
        JsonNode node = JSON.readTree(instance);
        return schema.validate(node, ctx -> ctx.executionConfig(c -> c.formatAssertionsEnabled(true)));
    }

    @Test
    void randomGenerationsParseAndValidate() throws Exception {
        long seed = TestData.seed("JsonSchemaGrammarTest.randomGenerationsParseAndValidate", 42);
        Random rnd = new Random(seed);
        int total = 0;
        for (String schemaText : SCHEMAS) {
            JsonSchemaGrammar.Result r = JsonSchemaGrammar.fromSchema(schemaText);
            Grammar g = r.compile();
            Schema schema = REGISTRY.getSchema(schemaText);
            for (int i = 0; i < 25; i++) {
                String out = generate(g, rnd);
                List<Error> errors;
                try {
                    errors = validate(schema, out);
                } catch (Exception e) {
                    throw new AssertionError("generated text is not JSON: " + out + "\nschema: " + schemaText, e);
                }
                assertTrue(errors.isEmpty(), () -> "invalid output " + out + "\n" + errors + "\nschema: " + schemaText + "\ngrammar:\n" + r.gbnf());
                total++;
            }
        }
        assertEquals(25 * SCHEMAS.size(), total);
    }

    static boolean grammarAccepts(Grammar g, String s) {
        GrammarMatcher m = g.matcher();
        return m.acceptString(s) && m.isComplete();
    }

    static void instances(String schemaText, List<String> valid, List<String> invalid) throws Exception {
        Grammar g = JsonSchemaGrammar.fromSchema(schemaText).compile();
        Schema schema = REGISTRY.getSchema(schemaText);
        for (String s : valid) {
            assertTrue(validate(schema, s).isEmpty(), () -> "test instance should be valid: " + s);
            assertTrue(grammarAccepts(g, s), () -> "grammar should accept " + s + " for " + schemaText);
        }
        for (String s : invalid) {
            assertFalse(grammarAccepts(g, s), () -> "grammar should refuse " + s + " for " + schemaText);
        }
    }

    @Test
    void handWrittenInstances() throws Exception {
        instances(PERSON,
                List.of("{\"name\": \"Ann\", \"age\": 30}", "{\"name\":\"B\",\"age\":0}",
                        "{\"name\": \"Bob\", \"age\": 130, \"email\": \"bob@example.org\", \"married\": true, \"spouse\": null}",
                        "{\"name\": \"Al\", \"age\": 5, \"spouse\": null}"),
                List.of("{\"name\": \"Ann\"}", "{\"name\": \"\", \"age\": 3}", "{\"name\": \"Ann\", \"age\": 131}", "{\"name\": \"Ann\", \"age\": -1}",
                        "{\"name\": \"Ann\", \"age\": 3, \"email\": \"x@y.net\"}", "{\"name\": \"Ann\", \"age\": 3, \"extra\": 1}",
                        "{\"name\": \"Ann\", \"age\": 3.5}", "{\"name\": \"Ann\", \"age\": 007}", "{\"name\": \"Ann\", \"age\": 3, \"married\": \"yes\"}",
                        "[\"Ann\", 3]", "{\"name\": \"abcdefghijklm\", \"age\": 3}"));
        instances("{\"type\": \"integer\", \"minimum\": -1000, \"maximum\": -3}",
                List.of("-3", "-1000", "-999", "-10", "-57"), List.of("-2", "0", "3", "-1001", "-0003", "-3.0"));
        instances("{\"type\": \"integer\", \"minimum\": 7, \"maximum\": 123456}",
                List.of("7", "9", "10", "99", "100", "123456", "123399", "99999"), List.of("6", "0", "123457", "1234560", "07"));
        instances("{\"type\": \"integer\", \"exclusiveMinimum\": 42}", List.of("43", "100", "999999999"), List.of("42", "0", "-43"));
        instances("{\"type\": \"integer\", \"maximum\": -17}", List.of("-17", "-18", "-1000000"), List.of("-16", "0", "17"));
        instances("{\"type\": \"string\", \"format\": \"date\"}", List.of("\"2024-02-28\"", "\"1999-12-31\"", "\"2023-04-30\""),
                List.of("\"2024-13-01\"", "\"2023-04-31\"", "\"2023-02-30\"", "\"24-01-01\"", "\"2024-1-01\""));
        instances("{\"type\": \"string\", \"format\": \"uuid\"}", List.of("\"123e4567-e89b-12d3-a456-426614174000\""),
                List.of("\"123e4567e89b12d3a456426614174000\"", "\"123e4567-e89b-12d3-a456-42661417400g\""));
        instances("{\"type\": \"string\", \"format\": \"date-time\"}", List.of("\"2024-02-28T12:30:00Z\"", "\"2024-02-28T23:59:59.123+05:30\""),
                List.of("\"2024-02-28 12:30:00Z\"", "\"2024-02-28T24:00:00Z\"", "\"2024-02-28T12:30:00\""));
        instances("{\"type\": \"array\", \"items\": {\"type\": \"boolean\"}, \"minItems\": 2, \"maxItems\": 3}",
                List.of("[true, false]", "[true,true,true]"), List.of("[]", "[true]", "[true, true, true, true]", "[1, 2]"));
        instances("{\"type\": \"array\", \"prefixItems\": [{\"type\": \"string\"}, {\"type\": \"integer\"}], \"items\": {\"type\": \"null\"}}",
                List.of("[\"a\", 1]", "[\"a\", 1, null, null]"), List.of("[1, \"a\"]", "[\"a\", 1, 2]"));
        instances("{\"enum\": [\"a\", 1, null, [true]]}", List.of("\"a\"", "1", "null", "[true]"), List.of("\"b\"", "2", "[false]", "true"));
        instances("{\"type\": \"string\", \"pattern\": \"^x[0-9]{2,3}(a|bc)?$\"}", List.of("\"x12\"", "\"x123bc\"", "\"x99a\""),
                List.of("\"x1\"", "\"x1234\"", "\"y12\"", "\"x12b\""));
        instances("{\"type\": \"string\", \"pattern\": \"q\\\"\"}", List.of("\"q\\\"\"", "\"aq\\\"b\""), List.of("\"q\"", "\"\""));
        instances("{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\"}}, \"additionalProperties\": {\"type\": \"string\"}}",
                List.of("{}", "{\"a\": 1}", "{\"b\": \"x\"}", "{\"a\": 1, \"b\": \"x\", \"ab\": \"y\"}"),
                List.of("{\"a\": \"x\"}", "{\"b\": 1}", "{\"a\": 1, \"a\": \"x\"}"));
        instances("{\"type\": \"object\", \"properties\": {\"p\": {\"type\": \"integer\"}, \"q\": {\"type\": \"integer\"}}}",
                List.of("{}", "{\"p\": 1}", "{\"q\": 2}", "{\"p\": 1, \"q\": 2}"), List.of("{,}", "{\"p\": 1,}", "{, \"q\": 2}"));
        instances("{\"type\": \"string\", \"minLength\": 2, \"maxLength\": 3}", List.of("\"ab\"", "\"中文\"", "\"a\\nb\"", "\"😀😀😀\""),
                List.of("\"a\"", "\"abcd\"", "\"😀\""));
    }

    static void unsupported(String schema, String fragment) {
        GrammarException e = assertThrows(GrammarException.class, () -> JsonSchemaGrammar.fromSchema(schema));
        assertTrue(e.getMessage().contains(fragment), () -> e.getMessage() + " lacks " + fragment);
    }

    @Test
    void unsupportedKeywordsAreNamed() {
        unsupported("{\"not\": {\"type\": \"string\"}}", "keyword 'not' is not supported");
        unsupported("{\"type\": \"array\", \"uniqueItems\": true}", "'uniqueItems'");
        unsupported("{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\", \"multipleOf\": 3}}}",
                "JSON Schema at #/properties/a: keyword 'multipleOf' is not supported");
        unsupported("{\"$ref\": \"https://example.com/s.json\"}", "only local $ref");
        unsupported("{\"$ref\": \"#/$defs/missing\"}", "points to nothing");
        unsupported("{\"type\": \"object\", \"minProperties\": 1}", "'minProperties'");
        unsupported("false", "accepts nothing");
        unsupported("{\"type\": \"decimal\"}", "unknown type 'decimal'");
        unsupported("{\"type\": \"string\", \"pattern\": \"^(a)\\\\1$\"}", "backreferences");
        unsupported("{\"type\": \"string\", \"pattern\": \"^(?=a)\"}", "lookaround");
        unsupported("{\"type\": \"integer\", \"minimum\": 5, \"maximum\": 4}", "empty");
        unsupported("not json", "not valid JSON");
    }

    @Test
    void notEnforcedIsReported() {
        List<String> notes = JsonSchemaGrammar.fromSchema("""
                {"type": "object", "properties": {"e": {"type": "string", "format": "email"},
                 "n": {"type": "number", "maximum": 5}, "o": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}}""").notEnforced();
        assertEquals(3, notes.size(), notes.toString());
        assertTrue(notes.stream().anyMatch(n -> n.contains("format 'email'")));
        assertTrue(notes.stream().anyMatch(n -> n.contains("#/properties/n") && n.contains("number bounds")));
        assertTrue(notes.stream().anyMatch(n -> n.contains("oneOf")));
        assertTrue(JsonSchemaGrammar.fromSchema(PERSON).notEnforced().isEmpty());
    }

    @Test
    void genericJsonGrammars() {
        Grammar obj = Grammar.parse(JsonSchemaGrammar.JSON_OBJECT_GBNF);
        assertTrue(grammarAccepts(obj, "{\"a\": [1, {\"b\": null}]}"));
        assertFalse(grammarAccepts(obj, "[1]"));
        assertFalse(grammarAccepts(obj, "\"s\""));
    }
}
