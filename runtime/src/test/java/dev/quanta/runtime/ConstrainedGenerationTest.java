package dev.quanta.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.loader.quantize.LlamaFtype;
import dev.quanta.loader.synth.SynthModel;
import dev.quanta.loader.synth.SynthShape;
import dev.quanta.runtime.grammar.Grammar;
import dev.quanta.runtime.grammar.GrammarMatcher;
import dev.quanta.runtime.sampling.GrammarSpec;
import dev.quanta.runtime.sampling.SamplerParams;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Constrained generation end to end: with stories260K (SentencePiece, 512 tokens) and a synthetic
 * Llama with the 128k Llama 3 vocabulary, every output generated under a JSON Schema parses and
 * validates against it, for several seeds and temperatures; GBNF outputs match their grammar;
 * malformed and unsatisfiable grammars fail before any token.
 */
class ConstrainedGenerationTest {
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    /** Schemas whose every output is bounded in length, so that generation always completes. */
    static final List<String> SCHEMAS = List.of(
            """
            {"type": "object", "properties": {
               "name": {"type": "string", "minLength": 1, "maxLength": 12},
               "age": {"type": "integer", "minimum": 0, "maximum": 120},
               "mood": {"enum": ["happy", "sad", "sleepy"]}},
             "required": ["name", "age", "mood"], "additionalProperties": false}
            """,
            """
            {"type": "array", "items": {"type": "integer", "minimum": -50, "maximum": 50}, "minItems": 1, "maxItems": 4}
            """,
            """
            {"type": "object", "properties": {
               "ok": {"type": "boolean"},
               "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]{1,6}$"}, "maxItems": 3},
               "when": {"type": "string", "format": "date"}},
             "required": ["ok", "when"], "additionalProperties": false}
            """);

    static Model stories;
    static Model synth;
    @TempDir
    static Path tmp;

    @BeforeAll
    static void load() throws Exception {
        Path f = TestData.require("stories260K/stories260K.gguf");
        stories = Quanta.load(ModelOptions.of(f).withBackend("reference").withContextLength(512));
        Path vocab = TestData.require("vocab/ggml-vocab-llama-bpe.gguf");
        SynthShape shape = new SynthShape("test-128k", 64, 1, 2, 1, 128, 128256, 500000f, false, 1024, 1e-5f);
        Path g = tmp.resolve("synth-128k.gguf");
        SynthModel.write(new SynthModel.Spec(shape, LlamaFtype.MOSTLY_Q8_0, 11, vocab, 1), g);
        synth = Quanta.load(ModelOptions.of(g).withBackend("cpu").withContextLength(512));
    }

    @AfterAll
    static void close() {
        if (stories != null) stories.close();
        if (synth != null) synth.close();
    }

    static List<Error> validate(Schema schema, String text) throws Exception {
        JsonNode node = JSON.readTree(text);
        return schema.validate(node, ctx -> ctx.executionConfig(c -> c.formatAssertionsEnabled(true)));
    }

    void schemaOutputsValidate(Model model, String prompt, long[] seeds, float[] temps) throws Exception {
        for (String schemaText : SCHEMAS) {
            Schema schema = REGISTRY.getSchema(schemaText);
            GenerationOptions o = GenerationOptions.defaults().withMaxTokens(400).withGrammar(GrammarSpec.jsonSchema(schemaText));
            for (long seed : seeds) {
                for (float t : temps) {
                    try (Session s = model.newSession()) {
                        StringBuilder streamed = new StringBuilder();
                        GenerationResult r = s.generate(prompt, o.withSampling(SamplerParams.defaults().withTemperature(t).withSeed(seed)), streamed::append);
                        String where = "seed " + seed + ", temp " + t + ", schema " + schemaText.strip() + ": output " + r.text();
                        assertEquals(StopReason.END_OF_GENERATION, r.reason(), where);
                        assertEquals(r.text(), streamed.toString(), where);
                        List<Error> errors = validate(schema, r.text());
                        assertTrue(errors.isEmpty(), where + " -> " + errors);
                    }
                }
            }
        }
    }

    @Test
    void stories260KSchemaOutputsValidate() throws Exception {
        long seed = TestData.seed("ConstrainedGenerationTest.stories", 1);
        schemaOutputsValidate(stories, "Once upon a time", new long[] {seed, seed + 1, seed + 2, seed + 3},
                new float[] {0f, 0.7f, 1.5f});
    }

    @Test
    void synthetic128kVocabularySchemaOutputsValidate() throws Exception {
        long seed = TestData.seed("ConstrainedGenerationTest.synth", 5);
        schemaOutputsValidate(synth, "The answer is", new long[] {seed, seed + 1}, new float[] {0f, 1.0f});
    }

    @Test
    void jsonModeGivesAnObject() throws Exception {
        GenerationOptions o = GenerationOptions.defaults().withMaxTokens(60).withGrammar(GrammarSpec.jsonObject());
        for (Model m : List.of(stories, synth)) {
            for (long seed = 1; seed <= 2; seed++) {
                try (Session s = m.newSession()) {
                    GenerationResult r = s.generate("Hello", o.withSampling(SamplerParams.defaults().withTemperature(1f).withSeed(seed)), null);
                    GrammarMatcher check = Grammar.parse(dev.quanta.runtime.grammar.JsonSchemaGrammar.JSON_OBJECT_GBNF).matcher();
                    assertTrue(check.acceptString(r.text()), "not a JSON object prefix: " + r.text());
                    assertTrue(r.text().startsWith("{"), r.text());
                    if (r.reason() == StopReason.END_OF_GENERATION) {
                        assertTrue(JSON.readTree(r.text()).isObject(), r.text());
                    } else {
                        assertEquals(StopReason.MAX_TOKENS, r.reason());
                    }
                }
            }
        }
    }

    @Test
    void gbnfOutputsMatchTheGrammar() {
        String gbnf = """
                root ::= answer " because " word ("," " " word){0,2} "."
                answer ::= "yes" | "no" | "maybe"
                word ::= [a-z]{1,8}
                """;
        Pattern same = Pattern.compile("(yes|no|maybe) because [a-z]{1,8}(, [a-z]{1,8}){0,2}\\.");
        Grammar g = Grammar.parse(gbnf);
        for (Model m : List.of(stories, synth)) {
            for (long seed = 1; seed <= 6; seed++) {
                float t = seed % 3 == 0 ? 0f : seed * 0.4f;
                try (Session s = m.newSession()) {
                    GenerationResult r = s.generate("Is it raining?", GenerationOptions.defaults().withMaxTokens(100)
                            .withGrammar(GrammarSpec.gbnf(gbnf)).withSampling(SamplerParams.defaults().withTemperature(t).withSeed(seed)), null);
                    assertEquals(StopReason.END_OF_GENERATION, r.reason(), r.text());
                    assertTrue(same.matcher(r.text()).matches(), r.text());
                    GrammarMatcher check = g.matcher();
                    assertTrue(check.acceptString(r.text()) && check.isComplete(), r.text());
                }
            }
        }
    }

    @Test
    void grammarEndsGenerationEvenWithIgnoreEos() {
        try (Session s = stories.newSession()) {
            GenerationResult r = s.generate("Once", GenerationOptions.defaults().withMaxTokens(50).withIgnoreEos(true)
                    .withGrammar(GrammarSpec.gbnf("root ::= \" the end\"")).withSampling(SamplerParams.greedy()), null);
            assertEquals(" the end", r.text());
            assertEquals(StopReason.END_OF_GENERATION, r.reason());
        }
    }

    @Test
    void badGrammarsFailBeforeAnyToken() {
        record Case(GrammarSpec spec, String message) {}
        List<Case> cases = List.of(
                new Case(GrammarSpec.gbnf("root ::= \"a\" root"), "invalid grammar:"),               // can never finish
                new Case(GrammarSpec.gbnf("root ::= [a-z"), "line 1, column"),                      // malformed
                new Case(GrammarSpec.gbnf("root ::= thing"), "thing"),                               // undefined rule
                new Case(GrammarSpec.jsonSchema("{\"type\": \"object\", \"not\": {}}"), "'not'"),  // unsupported keyword
                new Case(GrammarSpec.jsonSchema("{\"type\": "), "not valid JSON"));
        for (Case c : cases) {
            try (Session s = stories.newSession()) {
                QuantaException e = assertThrows(QuantaException.class,
                        () -> s.generate("Once upon a time", GenerationOptions.defaults().withMaxTokens(5).withGrammar(c.spec()), null));
                assertTrue(e.getMessage().contains(c.message()), e.getMessage());
                assertEquals(0, s.tokens().length, "nothing was evaluated");
            }
        }
    }

    @Test
    void vocabularyAndGrammarsAreCachedOnTheModel() {
        assertTrue(stories.grammarVocabulary() == stories.grammarVocabulary());
        assertTrue(stories.grammar(GrammarSpec.jsonObject()) == stories.grammar(GrammarSpec.jsonObject()));
        assertEquals(synth.config().nVocab(), synth.grammarVocabulary().size());
    }
}
