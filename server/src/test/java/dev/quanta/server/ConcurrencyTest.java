package dev.quanta.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.runtime.serving.EngineOptions;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * 16 clients at once on a 4-slot server with an API key: greedy chat and completions (streaming and
 * not, through the OpenAI SDK), clients that hang up mid-stream, malformed JSON, an oversized body, a
 * bad key, a prompt longer than the context. Every good request gets the text it gets alone, every bad
 * one its error, the server stays up and its slots go back to idle.
 */
class ConcurrencyTest {
    static final String ID = "stories260k";
    static final String KEY = "sk-load-test";
    static final String[] PROMPTS = {"Once upon a time", "Lily and Tom went to the park", "The little dog", "One day, a girl",
            "Tim had a red ball. He", "The sun was"};

    @Test
    void sixteenClientsMixedGoodAndBad() throws Exception {
        try (TestServer ts = new TestServer(TestData.require("stories260K/stories260K.gguf"), ID,
                EngineOptions.defaults().withParallel(4).withSlotContext(128).withPrefillChunk(16), KEY);
             ExecutorService pool = Executors.newFixedThreadPool(16)) {
            OpenAIClient client = ts.openAi();
            // what each request gives alone (one at a time)
            List<String> aloneText = new ArrayList<>(), aloneChat = new ArrayList<>();
            for (String p : PROMPTS) {
                aloneText.add(completion(client, p));
                aloneChat.add(chat(client, p));
            }

            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> results = new ArrayList<>();
            List<Callable<String>> jobs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int k = i;
                jobs.add(() -> check(aloneText.get(k), completion(client, PROMPTS[k])));
                jobs.add(() -> check(aloneChat.get(k + 1), chatStreamed(client, PROMPTS[k + 1])));
            }
            jobs.add(() -> check(aloneChat.get(0), chat(client, PROMPTS[0])));
            jobs.add(() -> check(aloneText.get(5), completionStreamed(client, PROMPTS[5])));
            jobs.add(() -> hangUp(ts, PROMPTS[2]));
            jobs.add(() -> hangUp(ts, PROMPTS[3]));
            jobs.add(() -> expectError(ts.post("/v1/chat/completions", "{\"model\": \"stories260k\", \"messages\": [{\"role\": "), 400, null));
            jobs.add(() -> expectError(ts.post("/v1/completions", "{\"prompt\": \"" + "a".repeat(100_000) + "\"}"), 413, "request_too_large"));
            jobs.add(() -> expectError(ts.post("/v1/completions", "{\"prompt\": \"Once\"}", "sk-wrong"), 401, "invalid_api_key"));
            jobs.add(() -> expectError(ts.post("/v1/completions", "{\"prompt\": \"" + "Once upon a time ".repeat(40) + "\", \"max_tokens\": 4}"),
                    400, "context_length_exceeded"));
            assertEquals(16, jobs.size());
            for (Callable<String> j : jobs) results.add(pool.submit(() -> {
                go.await();
                return j.call();
            }));
            go.countDown();
            List<String> failures = new ArrayList<>();
            for (Future<String> f : results) {
                String r = f.get(60, TimeUnit.SECONDS);
                if (!r.equals("ok")) failures.add(r);
            }
            assertEquals(List.of(), failures);

            // still up, slots idle, and the counts add up
            assertEquals(200, ts.get("/health").statusCode());
            ts.awaitIdle();
            String metrics = ts.get("/metrics").body();
            assertTrue(metrics.contains("quanta_requests_total{code=\"401\"} 1"), metrics);
            assertTrue(metrics.contains("quanta_requests_total{code=\"413\"} 1"), metrics);
            assertTrue(metrics.contains("quanta_requests_total{code=\"400\"} 2"), metrics);
            assertTrue(metrics.contains("quanta_slots_active 0"), metrics);
            assertTrue(ts.engine.stats().requestsCancelled() >= 1, "the hung-up streams were cancelled: " + ts.engine.stats());
            // and it still answers as before
            assertEquals(aloneText.get(0), completion(client, PROMPTS[0]));
        }
    }

    static String check(String expected, String got) {
        return expected.equals(got) ? "ok" : "text differs: expected <" + expected + "> got <" + got + ">";
    }

    static String completion(OpenAIClient c, String prompt) {
        return c.completions().create(CompletionCreateParams.builder().model(ID).prompt(prompt).maxTokens(24).temperature(0.0).build())
                .choices().get(0).text();
    }

    static String completionStreamed(OpenAIClient c, String prompt) {
        StringBuilder sb = new StringBuilder();
        try (StreamResponse<Completion> s = c.completions().createStreaming(CompletionCreateParams.builder().model(ID).prompt(prompt)
                .maxTokens(24).temperature(0.0).build())) {
            s.stream().forEach(x -> x.choices().forEach(ch -> sb.append(ch.text())));
        }
        return sb.toString();
    }

    static ChatCompletionCreateParams chatParams(String prompt, int max) {
        return ChatCompletionCreateParams.builder().model(ID).addUserMessage(prompt).maxCompletionTokens(max).temperature(0.0).build();
    }

    static String chat(OpenAIClient c, String prompt) {
        return c.chat().completions().create(chatParams(prompt, 24)).choices().get(0).message().content().orElse("");
    }

    static String chatStreamed(OpenAIClient c, String prompt) {
        StringBuilder sb = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> s = c.chat().completions().createStreaming(chatParams(prompt, 24))) {
            s.stream().forEach(x -> x.choices().forEach(ch -> ch.delta().content().ifPresent(sb::append)));
        }
        return sb.toString();
    }

    /**
     * Starts a long stream, reads its first event and resets the connection. A raw socket, not the
     * SDK: OkHttp drains an unfinished body for up to 100 ms before closing, so on a fast machine the
     * stream would simply finish and nothing would be cancelled. With SO_LINGER 0 the close is a
     * reset, and the server's next write fails at once.
     */
    static String hangUp(TestServer ts, String prompt) throws Exception {
        String body = "{\"model\": \"" + ID + "\", \"messages\": [{\"role\": \"user\", \"content\": \"" + prompt + "\"}], \"max_tokens\": 100, "
                + "\"stream\": true, \"ignore_eos\": true, \"temperature\": 0}";
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int port = java.net.URI.create(ts.base()).getPort();
        try (java.net.Socket sock = new java.net.Socket("127.0.0.1", port)) {
            sock.setSoTimeout(30_000);
            String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Authorization: Bearer " + ts.key + "\r\nContent-Length: " + bytes.length + "\r\n\r\n";
            var out = sock.getOutputStream();
            out.write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(sock.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            String status = in.readLine();
            if (status == null || !status.contains(" 200")) return "hang-up stream did not start: " + status;
            for (String line = in.readLine(); ; line = in.readLine()) {
                if (line == null) return "stream ended before its first event";
                if (line.startsWith("data: ")) break;
            }
            sock.setSoLinger(true, 0);
        }
        return "ok";
    }

    static String expectError(HttpResponse<String> r, int status, String code) throws Exception {
        if (r.statusCode() != status) return "expected " + status + " got " + r.statusCode() + ": " + r.body();
        JsonNode err = Json.MAPPER.readTree(r.body()).get("error");
        if (err == null || !err.get("message").isTextual()) return "no OpenAI error object: " + r.body();
        if (code != null && !code.equals(err.path("code").asText())) return "expected code " + code + ": " + r.body();
        return "ok";
    }
}
