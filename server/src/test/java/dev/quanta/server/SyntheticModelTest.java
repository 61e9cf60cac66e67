package dev.quanta.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.quanta.loader.quantize.LlamaFtype;
import dev.quanta.loader.synth.SynthModel;
import dev.quanta.loader.synth.SynthShape;
import dev.quanta.runtime.serving.EngineOptions;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A synthetic Q4_0 Llama (written by the project's GGUF writer) behind both front ends: the OpenAI
 * SDK's chat and completions, streaming and not, agree; Ollama's /api/chat and /api/generate give the
 * same greedy answer as OpenAI's chat, as NDJSON lines or one object; /api/tags; /metrics.
 */
class SyntheticModelTest {
    static final String ID = "synth-tiny";
    static Path dir;
    static TestServer ts;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("quanta-server-test");
        Path gguf = dir.resolve("synth.gguf");
        SynthShape shape = new SynthShape("test", 128, 2, 4, 2, 256, 512, 10000f, false, 1024, 1e-5f);
        SynthModel.write(new SynthModel.Spec(shape, LlamaFtype.MOSTLY_Q4_0, 7, null, 1), gguf);
        ts = new TestServer(gguf, ID, EngineOptions.defaults().withParallel(3).withSlotContext(256), null);
        client = ts.openAi();
    }

    @AfterAll
    static void stop() throws Exception {
        if (ts != null) ts.close();
        if (dir != null) try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static ChatCompletionCreateParams chat(String text) {
        return ChatCompletionCreateParams.builder().model(ID).addUserMessage(text).maxCompletionTokens(16).temperature(0.0).build();
    }

    /**
     * Streamed and whole answers of the same request agree. The first request of a prompt evaluates
     * it as one batch (the CPU backend's float GEMM from 8 tokens), a repeat reuses the cached
     * prefix and evaluates only the last prompt token (the integer GEMV), so the two may differ in
     * the last bits of the logits — as in llama.cpp's server with cache_prompt — and a greedy pick
     * between near-equal logits of this random model may differ. So each prompt is sent once first;
     * the two compared requests then both reuse the same prefix and compute the same thing.
     */
    @Test
    void openAiStreamingAndNotAgree() {
        client.chat().completions().create(chat("Hello world")); // primes the slot's prefix
        String whole = client.chat().completions().create(chat("Hello world")).choices().get(0).message().content().orElseThrow();
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(chat("Hello world"))) {
            s.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(streamed::append)));
        }
        assertEquals(whole, streamed.toString());
        assertFalse(whole.isEmpty());

        CompletionCreateParams p = CompletionCreateParams.builder().model(ID).prompt("the little model").maxTokens(12).temperature(0.0).build();
        client.completions().create(p); // primes the slot's prefix, as above
        Completion c = client.completions().create(p);
        StringBuilder sc = new StringBuilder();
        try (StreamResponse<Completion> s = client.completions().createStreaming(p)) {
            s.stream().forEach(x -> x.choices().forEach(ch -> sc.append(ch.text())));
        }
        assertEquals(c.choices().get(0).text(), sc.toString());
        assertEquals(12, c.usage().orElseThrow().completionTokens());
    }

    @Test
    void eventStreamFramingIsOpenAis() throws Exception {
        HttpResponse<String> r = ts.post("/v1/completions", "{\"prompt\": \"the\", \"max_tokens\": 3, \"temperature\": 0, \"stream\": true}");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        String[] events = r.body().split("\n\n");
        for (String e : events) assertTrue(e.startsWith("data: "), e);
        assertEquals("data: [DONE]", events[events.length - 1]);
        assertEquals(3 + 1 + 1, events.length, r.body()); // three tokens, the finish chunk, [DONE]
    }

    @Test
    void ollamaChatAndGenerateGiveTheSameAnswer() throws Exception {
        client.chat().completions().create(chat("Hello world")); // primes the slot's prefix (see openAiStreamingAndNotAgree)
        String openAi = client.chat().completions().create(chat("Hello world")).choices().get(0).message().content().orElseThrow();
        String opts = "\"options\": {\"temperature\": 0, \"num_predict\": 16}";
        // one object
        HttpResponse<String> r = ts.post("/api/chat", "{\"model\": \"" + ID + ":latest\", \"stream\": false, " + opts
                + ", \"messages\": [{\"role\": \"user\", \"content\": \"Hello world\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode o = Json.MAPPER.readTree(r.body());
        assertEquals(openAi, o.get("message").get("content").asText());
        assertTrue(o.get("done").asBoolean());
        assertEquals(16, o.get("eval_count").asInt());
        assertEquals("length", o.get("done_reason").asText());
        // NDJSON stream
        r = ts.post("/api/chat", "{\"model\": \"" + ID + "\", " + opts + ", \"messages\": [{\"role\": \"user\", \"content\": \"Hello world\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/x-ndjson"));
        StringBuilder sb = new StringBuilder();
        String[] lines = r.body().split("\n");
        for (int i = 0; i < lines.length; i++) {
            JsonNode l = Json.MAPPER.readTree(lines[i]);
            sb.append(l.get("message").get("content").asText());
            assertEquals(i == lines.length - 1, l.get("done").asBoolean());
        }
        assertEquals(openAi, sb.toString());
        assertTrue(lines.length > 2);
        // /api/generate renders the same chat prompt
        r = ts.post("/api/generate", "{\"model\": \"" + ID + "\", \"prompt\": \"Hello world\", \"stream\": false, " + opts + "}");
        assertEquals(openAi, Json.MAPPER.readTree(r.body()).get("response").asText());
        // raw: the prompt as is, like /v1/completions (primed first, as above)
        client.completions().create(CompletionCreateParams.builder().model(ID).prompt("the little model").maxTokens(12).temperature(0.0).build());
        r = ts.post("/api/generate", "{\"model\": \"" + ID + "\", \"prompt\": \"the little model\", \"raw\": true, \"stream\": false, "
                + "\"options\": {\"temperature\": 0, \"num_predict\": 12}}");
        String completion = client.completions().create(CompletionCreateParams.builder().model(ID).prompt("the little model")
                .maxTokens(12).temperature(0.0).build()).choices().get(0).text();
        assertEquals(completion, Json.MAPPER.readTree(r.body()).get("response").asText());
        // errors in Ollama's shape
        r = ts.post("/api/chat", "{\"model\": \"llama3\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertEquals(404, r.statusCode());
        assertTrue(Json.MAPPER.readTree(r.body()).get("error").asText().contains("llama3"));
        r = ts.post("/api/chat", "{\"model\": \"" + ID + "\"}");
        assertEquals(400, r.statusCode());
        assertTrue(Json.MAPPER.readTree(r.body()).get("error").asText().contains("messages"));
    }

    @Test
    void tagsAndMetrics() throws Exception {
        JsonNode tags = Json.MAPPER.readTree(ts.get("/api/tags").body());
        assertEquals(ID, tags.get("models").get(0).get("name").asText());
        assertEquals("Q4_0", tags.get("models").get(0).get("details").get("quantization_level").asText());
        client.completions().create(CompletionCreateParams.builder().model(ID).prompt("the").maxTokens(3).temperature(0.0).build());
        ts.awaitIdle();
        HttpResponse<String> m = ts.get("/metrics");
        assertTrue(m.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
        String body = m.body();
        for (String name : new String[] {"quanta_requests_total{code=\"200\"}", "quanta_prompt_tokens_total", "quanta_completion_tokens_total",
                "quanta_requests_queued 0", "quanta_slots_active 0", "quanta_slots_total 3", "quanta_prompt_tokens_per_second",
                "quanta_generation_tokens_per_second", "quanta_kv_cache_usage_ratio", "quanta_kv_cache_cells 768"})
            assertTrue(body.contains(name), name + " in\n" + body);
        // every sample line is "name{labels} value" with a number
        for (String line : body.split("\n")) {
            if (line.startsWith("#")) continue;
            Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
    }
}
