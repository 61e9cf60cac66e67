package dev.quanta.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.StructuredChatCompletion;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.loader.quantize.LlamaFtype;
import dev.quanta.loader.synth.SynthModel;
import dev.quanta.loader.synth.SynthShape;
import dev.quanta.runtime.grammar.Grammar;
import dev.quanta.runtime.grammar.GrammarMatcher;
import dev.quanta.runtime.grammar.JsonSchemaGrammar;
import dev.quanta.runtime.serving.EngineOptions;
import dev.quanta.runtime.tools.ToolCallFormat;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Structured output and tool calls through the official OpenAI Java SDK (and raw HTTP for
 * llama.cpp's and Ollama's fields), against stories260K (SentencePiece, 512 tokens, the generic
 * tool-call format) and a synthetic model with the Llama 3 vocabulary (128,256 tokens, the
 * Llama 3.1 format): every answer must parse and validate against its schema (networknt's
 * validator, formats asserted), for several seeds and temperatures; a forced tool call must name
 * a given tool with arguments that validate against its parameters; bad grammars and schemas are
 * 400s that name the field.
 */
class StructuredOutputTest {
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    /** Every output of this schema is bounded in length, so a generation always completes. */
    static final String PET_SCHEMA = """
            {"type": "object", "properties": {
               "name": {"type": "string", "minLength": 1, "maxLength": 8},
               "age": {"type": "integer", "minimum": 0, "maximum": 30},
               "mood": {"enum": ["happy", "sad", "sleepy"]},
               "born": {"type": "string", "format": "date"}},
             "required": ["name", "age", "mood", "born"], "additionalProperties": false}
            """;
    static final String WEATHER_PARAMS = """
            {"type": "object", "properties": {
               "city": {"type": "string", "enum": ["Paris", "Oslo", "Lima"]},
               "days": {"type": "integer", "minimum": 1, "maximum": 7}},
             "required": ["city", "days"], "additionalProperties": false}
            """;
    static final String TIME_PARAMS = """
            {"type": "object", "properties": {"zone": {"type": "string", "pattern": "^[A-Z]{3}$"}},
             "required": ["zone"], "additionalProperties": false}
            """;

    static Path dir;
    static TestServer stories;
    static TestServer synth;

    @BeforeAll
    static void start() throws Exception {
        stories = new TestServer(TestData.require("stories260K/stories260K.gguf"), "stories",
                EngineOptions.defaults().withParallel(2).withSlotContext(1024), null);
        Path vocab = TestData.require("vocab/ggml-vocab-llama-bpe.gguf");
        dir = Files.createTempDirectory("quanta-structured-test");
        Path g = dir.resolve("synth-128k.gguf");
        SynthShape shape = new SynthShape("test-128k", 64, 1, 2, 1, 128, 128256, 500000f, false, 1024, 1e-5f);
        SynthModel.write(new SynthModel.Spec(shape, LlamaFtype.MOSTLY_Q8_0, 11, vocab, 1), g);
        synth = new TestServer(g, "synth", EngineOptions.defaults().withParallel(3).withSlotContext(512), null);
    }

    @AfterAll
    static void stop() throws Exception {
        if (stories != null) stories.close();
        if (synth != null) synth.close();
        if (dir != null) try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static List<Error> validate(String schemaText, String text) throws Exception {
        Schema schema = REGISTRY.getSchema(schemaText);
        JsonNode node = JSON.readTree(text);
        return schema.validate(node, ctx -> ctx.executionConfig(c -> c.formatAssertionsEnabled(true)));
    }

    static void assertValid(String schemaText, String text, String where) throws Exception {
        List<Error> errors = validate(schemaText, text);
        assertTrue(errors.isEmpty(), where + ": " + text + " -> " + errors);
    }

    static ResponseFormatJsonSchema jsonSchemaFormat(String name, String schemaText) throws Exception {
        ResponseFormatJsonSchema.JsonSchema.Schema.Builder sb = ResponseFormatJsonSchema.JsonSchema.Schema.builder();
        JSON.readTree(schemaText).properties().forEach(e -> sb.putAdditionalProperty(e.getKey(), JsonValue.fromJsonNode(e.getValue())));
        return ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                .name(name).strict(true).schema(sb.build()).build()).build();
    }

    static ChatCompletionFunctionTool tool(String name, String description, String paramsJson) throws Exception {
        FunctionParameters.Builder pb = FunctionParameters.builder();
        JSON.readTree(paramsJson).properties().forEach(e -> pb.putAdditionalProperty(e.getKey(), JsonValue.fromJsonNode(e.getValue())));
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name(name).description(description)
                .parameters(pb.build()).build()).build();
    }

    // ---- response_format -------------------------------------------------------------------------

    @Test
    void jsonSchemaAnswersValidateForSeedsAndTemperatures() throws Exception {
        long seed = TestData.seed("StructuredOutputTest.schema", 3);
        ResponseFormatJsonSchema format = jsonSchemaFormat("pet", PET_SCHEMA);
        for (TestServer ts : List.of(stories, synth)) {
            OpenAIClient client = ts.openAi();
            for (long s = seed; s < seed + 2; s++) {
                for (double t : new double[] {0.0, 1.0}) {
                    ChatCompletionCreateParams p = ChatCompletionCreateParams.builder().model(ts.server.options().modelId())
                            .addUserMessage("Describe a pet as JSON.").responseFormat(format).temperature(t).seed(s)
                            .maxCompletionTokens(120).build();
                    ChatCompletion c = client.chat().completions().create(p);
                    String where = ts.server.options().modelId() + " seed " + s + " temp " + t;
                    assertEquals("stop", c.choices().get(0).finishReason().asString(), where);
                    assertValid(PET_SCHEMA, c.choices().get(0).message().content().orElseThrow(), where);
                }
            }
        }
    }

    enum Mood { happy, sad, sleepy }

    /** The SDK derives the schema from this class (all properties required, no others). */
    public static class Pet {
        @JsonPropertyDescription("how the pet feels")
        @JsonProperty(required = true)
        public Mood mood;
        @JsonProperty(required = true)
        public boolean hungry;
        @JsonProperty(required = true)
        public Mood yesterday;
    }

    @Test
    void theSdksStructuredOutputApiGetsInstancesOfTheClass() {
        for (TestServer ts : List.of(stories, synth)) {
            for (long seed = 1; seed <= 2; seed++) {
                StructuredChatCompletion<Pet> c = ts.openAi().chat().completions().create(ChatCompletionCreateParams.builder()
                        .model(ts.server.options().modelId()).addUserMessage("A pet?").responseFormat(Pet.class)
                        .temperature(seed == 1 ? 0.0 : 1.2).seed(seed).maxCompletionTokens(80).build());
                Pet pet = c.choices().get(0).message().content().orElseThrow();
                assertNotNull(pet.mood);
                assertNotNull(pet.yesterday);
            }
        }
    }

    @Test
    void jsonObjectModeGivesObjects() throws Exception {
        Grammar object = Grammar.parse(JsonSchemaGrammar.JSON_OBJECT_GBNF);
        int completed = 0;
        for (TestServer ts : List.of(stories, synth)) {
            for (long seed = 1; seed <= 3; seed++) {
                ChatCompletion c = ts.openAi().chat().completions().create(ChatCompletionCreateParams.builder()
                        .model(ts.server.options().modelId()).addUserMessage("JSON please")
                        .responseFormat(ResponseFormatJsonObject.builder().build())
                        .temperature(0.9).seed(seed).maxCompletionTokens(48).build());
                String text = c.choices().get(0).message().content().orElseThrow();
                GrammarMatcher m = object.matcher();
                assertTrue(text.startsWith("{") && m.acceptString(text), "not a JSON object prefix: " + text);
                if (c.choices().get(0).finishReason().asString().equals("stop")) {
                    assertTrue(JSON.readTree(text).isObject(), text);
                    completed++;
                } else {
                    assertEquals("length", c.choices().get(0).finishReason().asString());
                }
            }
        }
        // the greedy-ish draws of tiny models do not always close the object within 48 tokens,
        // but the run as a whole must have produced complete ones too
        assertTrue(completed > 0, "no JSON object was completed");
    }

    @Test
    void streamingUnderASchemaGivesTheSameValidText() throws Exception {
        ChatCompletionCreateParams p = ChatCompletionCreateParams.builder().model("synth").addUserMessage("pet")
                .responseFormat(jsonSchemaFormat("pet", PET_SCHEMA)).temperature(0.7).seed(5).maxCompletionTokens(120).build();
        // primed first: a repeat reuses the cached prompt prefix, which the first evaluation of a
        // prompt does not (see SyntheticModelTest.openAiStreamingAndNotAgree)
        synth.openAi().chat().completions().create(p);
        String whole = synth.openAi().chat().completions().create(p).choices().get(0).message().content().orElseThrow();
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> s = synth.openAi().chat().completions().createStreaming(p)) {
            s.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(streamed::append)));
        }
        assertEquals(whole, streamed.toString());
        assertValid(PET_SCHEMA, whole, "streamed");
    }

    @Test
    void constrainedAndFreeRequestsShareBatches() throws Exception {
        // three slots decode together: a schema, a GBNF grammar and a free request
        String gbnf = "root ::= (\"yes\" | \"no\") \" because \" [a-z]{1,8} \".\"";
        Pattern answer = Pattern.compile("(yes|no) because [a-z]{1,8}\\.");
        String free = "{\"prompt\": \"the\", \"max_tokens\": 24, \"temperature\": 0, \"ignore_eos\": true}";
        String alone = JSON.readTree(synth.post("/v1/completions", free).body()).at("/choices/0/text").asText();
        ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Future<HttpResponse<String>>> fs = new ArrayList<>();
            fs.add(ex.submit(() -> synth.post("/v1/chat/completions", JSON.writeValueAsString(Map.of(
                    "messages", List.of(Map.of("role", "user", "content", "pet")), "max_tokens", 120, "seed", 9,
                    "response_format", Map.of("type", "json_schema", "json_schema", Map.of("name", "pet", "schema", JSON.readTree(PET_SCHEMA))))))));
            fs.add(ex.submit(() -> synth.post("/v1/completions", JSON.writeValueAsString(Map.of(
                    "prompt", "Is it raining?", "max_tokens", 40, "temperature", 1.0, "seed", 4, "grammar", gbnf)))));
            fs.add(ex.submit(() -> synth.post("/v1/completions", free)));
            for (int i = 0; i < fs.size(); i++) {
                HttpResponse<String> r = fs.get(i).get();
                assertEquals(200, r.statusCode(), r.body());
                JsonNode o = JSON.readTree(r.body());
                switch (i % 3) {
                    case 0 -> assertValid(PET_SCHEMA, o.at("/choices/0/message/content").asText(), "batched schema");
                    case 1 -> {
                        String text = o.at("/choices/0/text").asText();
                        assertTrue(answer.matcher(text).matches(), text);
                        assertEquals("stop", o.at("/choices/0/finish_reason").asText());
                    }
                    default -> assertEquals(alone, o.at("/choices/0/text").asText(), "the free request is unchanged by its neighbours");
                }
            }
        } finally {
            ex.close();
        }
        synth.awaitIdle();
    }

    // ---- llama.cpp's and Ollama's fields -----------------------------------------------------------

    @Test
    void grammarFieldConstrainsCompletionsAndChat() throws Exception {
        String gbnf = "root ::= \"The \" animal \" is \" (\"big\" | \"small\") \".\"\nanimal ::= \"cat\" | \"dog\" | \"fox\"";
        Pattern p = Pattern.compile("The (cat|dog|fox) is (big|small)\\.");
        for (long seed = 1; seed <= 3; seed++) {
            HttpResponse<String> r = stories.post("/v1/completions", JSON.writeValueAsString(Map.of(
                    "prompt", "Once upon a time", "max_tokens", 30, "temperature", 1.0, "seed", seed, "grammar", gbnf)));
            assertEquals(200, r.statusCode(), r.body());
            JsonNode o = JSON.readTree(r.body());
            assertTrue(p.matcher(o.at("/choices/0/text").asText()).matches(), r.body());
            assertEquals("stop", o.at("/choices/0/finish_reason").asText());
            r = stories.post("/v1/chat/completions", JSON.writeValueAsString(Map.of(
                    "messages", List.of(Map.of("role", "user", "content", "hi")), "max_tokens", 30, "seed", seed, "grammar", gbnf)));
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(p.matcher(JSON.readTree(r.body()).at("/choices/0/message/content").asText()).matches(), r.body());
        }
        // llama.cpp's json_schema field
        HttpResponse<String> r = stories.post("/v1/completions", JSON.writeValueAsString(Map.of(
                "prompt", "Once", "max_tokens", 120, "seed", 2, "json_schema", JSON.readTree(PET_SCHEMA))));
        assertEquals(200, r.statusCode(), r.body());
        assertValid(PET_SCHEMA, JSON.readTree(r.body()).at("/choices/0/text").asText(), "json_schema field");
    }

    @Test
    void ollamaFormat() throws Exception {
        for (long seed = 1; seed <= 2; seed++) {
            HttpResponse<String> r = stories.post("/api/chat", JSON.writeValueAsString(Map.of("model", "stories",
                    "messages", List.of(Map.of("role", "user", "content", "pet")), "stream", false,
                    "format", JSON.readTree(PET_SCHEMA), "options", Map.of("seed", seed, "temperature", 0.8, "num_predict", 120))));
            assertEquals(200, r.statusCode(), r.body());
            assertValid(PET_SCHEMA, JSON.readTree(r.body()).at("/message/content").asText(), "ollama chat");
            // streamed: NDJSON lines whose texts join into a valid document
            r = stories.post("/api/generate", JSON.writeValueAsString(Map.of("model", "stories", "prompt", "pet",
                    "format", JSON.readTree(PET_SCHEMA), "options", Map.of("seed", seed, "num_predict", 120))));
            assertEquals(200, r.statusCode(), r.body());
            StringBuilder text = new StringBuilder();
            for (String line : r.body().split("\n")) text.append(JSON.readTree(line).path("response").asText());
            assertValid(PET_SCHEMA, text.toString(), "ollama generate stream");
        }
        HttpResponse<String> r = stories.post("/api/generate", JSON.writeValueAsString(Map.of("model", "stories", "prompt", "x",
                "stream", false, "format", "json", "options", Map.of("seed", 1, "num_predict", 40))));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(JSON.readTree(r.body()).at("/response").asText().startsWith("{"), r.body());
    }

    // ---- errors --------------------------------------------------------------------------------------

    @Test
    void malformedSchemasAndGrammarsAre400sNamingTheField() throws Exception {
        record Case(String path, String body, String param, String message) {}
        String msgs = "\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]";
        List<Case> cases = List.of(
                new Case("/v1/chat/completions", "{" + msgs + ", \"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"x\", \"schema\": {\"type\": \"object\", \"not\": {}}}}}",
                        "response_format.json_schema.schema", "'not'"),
                new Case("/v1/chat/completions", "{" + msgs + ", \"response_format\": {\"type\": \"xml\"}}", "response_format.type", "xml"),
                new Case("/v1/completions", "{\"prompt\": \"x\", \"grammar\": \"root ::= [a-z\"}", "grammar", "line 1, column"),
                new Case("/v1/completions", "{\"prompt\": \"x\", \"grammar\": \"root ::= thing\"}", "grammar", "thing"),
                new Case("/v1/completions", "{\"prompt\": \"x\", \"grammar\": \"root ::= \\\"a\\\" root\"}", "grammar", "invalid grammar"),
                new Case("/v1/completions", "{\"prompt\": \"x\", \"json_schema\": {\"type\": \"string\", \"multipleOf\": 3}}", "json_schema", "'multipleOf'"),
                new Case("/v1/completions", "{\"prompt\": \"x\", \"grammar\": \"root ::= \\\"a\\\"\", \"json_schema\": {}}", "json_schema", "cannot be combined"),
                new Case("/v1/chat/completions", "{" + msgs + ", \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}], \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"g\"}}}",
                        "tool_choice", "'g'"),
                new Case("/v1/chat/completions", "{" + msgs + ", \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {\"type\": \"object\", \"if\": {}}}}], \"tool_choice\": \"required\"}",
                        "tools", "'if'"),
                new Case("/v1/chat/completions", "{" + msgs + ", \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}], \"response_format\": {\"type\": \"json_object\"}}",
                        "response_format", "cannot be combined with 'tools'"),
                new Case("/v1/chat/completions", "{" + msgs + ", \"tool_choice\": \"required\"}", "tool_choice", "needs 'tools'"));
        for (Case c : cases) {
            HttpResponse<String> r = stories.post(c.path(), c.body());
            assertEquals(400, r.statusCode(), c.body() + " -> " + r.body());
            JsonNode e = JSON.readTree(r.body()).path("error");
            assertEquals(c.param(), e.path("param").asText(), r.body());
            assertTrue(e.path("message").asText().contains(c.message()), r.body());
        }
        HttpResponse<String> r = stories.post("/api/chat", "{\"model\": \"stories\", " + msgs + ", \"format\": {\"type\": \"object\", \"not\": {}}}");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(JSON.readTree(r.body()).path("error").asText().contains("'not'"), r.body());
        // refused before a slot was taken: nothing ran
        assertEquals(List.of("idle", "idle"), stories.engine.slotStates());
        // through the SDK: its BadRequestException
        BadRequestException x = assertThrows(BadRequestException.class, () -> stories.openAi().chat().completions().create(
                ChatCompletionCreateParams.builder().model("stories").addUserMessage("x")
                        .responseFormat(jsonSchemaFormat("bad", "{\"type\": \"object\", \"dependentRequired\": {}}")).build()));
        assertTrue(x.getMessage().contains("dependentRequired"), x.getMessage());
    }

    // ---- tool calls ----------------------------------------------------------------------------------

    @Test
    void formatsAreDetected() {
        assertEquals(ToolCallFormat.GENERIC, ToolCallFormat.forModel(stories.model));
        assertEquals(ToolCallFormat.LLAMA3, ToolCallFormat.forModel(synth.model)); // its vocabulary has <|python_tag|>
    }

    @Test
    void requiredToolChoiceForcesAValidCall() throws Exception {
        Map<String, String> params = Map.of("get_weather", WEATHER_PARAMS, "get_time", TIME_PARAMS);
        for (TestServer ts : List.of(stories, synth)) {
            for (long seed = 1; seed <= (ts == stories ? 2 : 1); seed++) {
                ChatCompletion c = ts.openAi().chat().completions().create(ChatCompletionCreateParams.builder()
                        .model(ts.server.options().modelId()).addUserMessage("What is the weather in Paris?")
                        .addTool(tool("get_weather", "Weather forecast", WEATHER_PARAMS))
                        .addTool(tool("get_time", "Time in a zone", TIME_PARAMS))
                        .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED)
                        .temperature(seed == 1 ? 0.0 : 1.0).seed(seed).maxCompletionTokens(120).build());
                String where = ts.server.options().modelId() + " seed " + seed;
                var choice = c.choices().get(0);
                assertEquals("tool_calls", choice.finishReason().asString(), where);
                List<ChatCompletionMessageFunctionToolCall> calls = choice.message().toolCalls().orElseThrow().stream()
                        .map(tc -> tc.function().orElseThrow()).toList();
                assertEquals(1, calls.size(), where);
                ChatCompletionMessageFunctionToolCall call = calls.get(0);
                assertTrue(call.id().startsWith("call_"), call.id());
                assertTrue(params.containsKey(call.function().name()), where + ": " + call.function().name());
                assertValid(params.get(call.function().name()), call.function().arguments(), where);
            }
        }
    }

    /** Arguments of get_weather, as the SDK reads them. */
    public static class Weather {
        public String city;
        public int days;
    }

    @Test
    void namedToolChoiceStreamingAndNot() throws Exception {
        for (TestServer ts : List.of(stories, synth)) {
            for (long seed = 1; seed <= (ts == stories ? 2 : 1); seed++) {
                ChatCompletionCreateParams p = ChatCompletionCreateParams.builder().model(ts.server.options().modelId())
                        .addUserMessage("Weather?")
                        .addTool(tool("get_time", "Time in a zone", TIME_PARAMS))
                        .addTool(tool("get_weather", "Weather forecast", WEATHER_PARAMS))
                        .toolChoice(ChatCompletionNamedToolChoice.builder()
                                .function(ChatCompletionNamedToolChoice.Function.builder().name("get_weather").build()).build())
                        .temperature(0.8).seed(seed).maxCompletionTokens(120).build();
                String where = ts.server.options().modelId() + " seed " + seed;
                ChatCompletion whole = ts.openAi().chat().completions().create(p);
                ChatCompletionMessageFunctionToolCall call = whole.choices().get(0).message().toolCalls().orElseThrow().get(0).function().orElseThrow();
                assertEquals("get_weather", call.function().name(), where);
                assertValid(WEATHER_PARAMS, call.function().arguments(), where);
                Weather w = call.function().arguments(Weather.class);
                assertTrue(w.days >= 1 && w.days <= 7, where);
                assertTrue(whole.choices().get(0).message().content().isEmpty(), where);

                // the same draw streamed: the SDK's accumulator rebuilds the same call from the deltas
                ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
                try (StreamResponse<ChatCompletionChunk> s = ts.openAi().chat().completions().createStreaming(p)) {
                    s.stream().forEach(acc::accumulate);
                }
                ChatCompletion streamed = acc.chatCompletion();
                assertEquals("tool_calls", streamed.choices().get(0).finishReason().asString(), where);
                ChatCompletionMessageFunctionToolCall sc = streamed.choices().get(0).message().toolCalls().orElseThrow().get(0).function().orElseThrow();
                assertEquals("get_weather", sc.function().name());
                assertEquals(JSON.readTree(call.function().arguments()), JSON.readTree(sc.function().arguments()), where);
            }
        }
    }

    @Test
    void toolHistoryGoesThroughTheTemplateAndAutoGivesContentOrCalls() throws Exception {
        // an assistant turn with a call and the tool's answer, then an "auto" turn
        String body = """
                {"messages": [
                   {"role": "user", "content": "Weather in Oslo?"},
                   {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                      "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Oslo\\", \\"days\\": 1}"}}]},
                   {"role": "tool", "tool_call_id": "call_1", "content": "{\\"temp\\": -3}"}],
                 "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": %s}}],
                 "max_tokens": 16, "temperature": 0}
                """.formatted(WEATHER_PARAMS);
        for (TestServer ts : List.of(stories, synth)) {
            HttpResponse<String> r = ts.post("/v1/chat/completions", body);
            assertEquals(200, r.statusCode(), r.body());
            JsonNode choice = JSON.readTree(r.body()).at("/choices/0");
            String fr = choice.path("finish_reason").asText();
            assertTrue(List.of("stop", "length", "tool_calls").contains(fr), r.body());
            if (fr.equals("tool_calls")) assertFalse(choice.at("/message/tool_calls").isEmpty());
            else assertTrue(choice.at("/message/content").isTextual(), r.body());
        }
        // the tools reach the prompt (through the template, or a system note where the template has no tools)
        for (TestServer ts : List.of(stories, synth)) {
            JsonNode req = JSON.readTree(body);
            ToolCalling tools = ToolCalling.read(req, ts.model);
            String with = ts.engine.tokenizer().decode(Generations.chatPrompt(ts.engine, RequestParams.messages(req), tools));
            assertTrue(with.contains("get_weather") && with.contains("Oslo") && with.contains("-3"), with);
        }
    }

    @Test
    void toolChoiceNoneIsPlainContent() throws Exception {
        String body = """
                {"messages": [{"role": "user", "content": "hi"}], "tool_choice": "none",
                 "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": %s}}],
                 "max_tokens": 8, "temperature": 0}
                """.formatted(WEATHER_PARAMS);
        HttpResponse<String> r = stories.post("/v1/chat/completions", body);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode msg = JSON.readTree(r.body()).at("/choices/0/message");
        assertTrue(msg.path("tool_calls").isMissingNode(), r.body());
        HttpResponse<String> plain = stories.post("/v1/chat/completions",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 8, \"temperature\": 0}");
        assertEquals(JSON.readTree(plain.body()).at("/choices/0/message/content"), msg.path("content"), "tools left out of the prompt");
    }
}
