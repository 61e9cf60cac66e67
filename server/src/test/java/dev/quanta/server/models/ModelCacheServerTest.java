package dev.quanta.server.models;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.loader.hub.HubCache;
import dev.quanta.loader.hub.HubConfig;
import dev.quanta.loader.quantize.LlamaFtype;
import dev.quanta.loader.synth.SynthModel;
import dev.quanta.loader.synth.SynthShape;
import dev.quanta.runtime.Model;
import dev.quanta.runtime.ModelOptions;
import dev.quanta.runtime.Quanta;
import dev.quanta.runtime.serving.EngineOptions;
import dev.quanta.runtime.serving.ServingEngine;
import dev.quanta.server.QuantaServer;
import dev.quanta.server.ServerOptions;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quanta serve} without {@code -m}: a temporary Hugging Face cache (HF_HOME in a temp folder, laid out
 * by {@link HubCache} as the pull code lays it) holding two models — stories260K and a generated tiny Llama —
 * served by a {@link ModelCache} behind the real HTTP server: listing, requests to both, eviction at the limit
 * (after in-flight requests finish), idle unload and reload, Ollama's keep_alive, and one load for many
 * concurrent first requests.
 */
class ModelCacheServerTest {
    static final String STORIES = "quanta-test/stories260K-GGUF:F32";
    static final String TINY = "quanta-test/tiny-GGUF:Q4_0";
    static final ObjectMapper JSON = new ObjectMapper();
    static Path hfHome;
    static HubCatalog catalog;

    final AtomicInteger loads = new AtomicInteger();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    volatile long loadDelayMillis;
    ModelCache cache;
    QuantaServer server;

    @BeforeAll
    static void makeCache(@TempDir Path tmp) throws Exception {
        Path stories = TestData.require("stories260K/stories260K.gguf");
        hfHome = tmp.resolve("hf");
        HubCache hub = new HubCache(hfHome.resolve("hub"));
        put(hub, "quanta-test/stories260K-GGUF", "stories260K-F32.gguf", stories);
        Path tiny = tmp.resolve("tiny.gguf");
        SynthShape shape = new SynthShape("test", 128, 2, 4, 2, 256, 512, 10000f, false, 1024, 1e-5f);
        SynthModel.write(new SynthModel.Spec(shape, LlamaFtype.MOSTLY_Q4_0, 7, null, 1), tiny);
        put(hub, "quanta-test/tiny-GGUF", "tiny-Q4_0.gguf", tiny);
        catalog = new HubCatalog(HubConfig.fromEnvironment(Map.of("HF_HOME", hfHome.toString()), tmp));
    }

    /** Stores {@code src} as the pull code would: blobs/SHA256, snapshots/COMMIT/FILE (a relative link), refs/main. */
    static void put(HubCache hub, String repo, String file, Path src) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(src)) {
            byte[] b = new byte[1 << 16];
            for (int n; (n = in.read(b)) > 0; ) sha.update(b, 0, n);
        }
        String etag = HexFormat.of().formatHex(sha.digest());
        String commit = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(repo.getBytes()));
        Files.createDirectories(hub.blob(repo, etag).getParent());
        Files.copy(src, hub.blob(repo, etag));
        hub.link(repo, commit, file, etag);
        hub.writeRef(repo, "main", commit);
    }

    void start(Duration keepAlive, int maxModels) {
        ModelCache.Loader loader = sm -> {
            loads.incrementAndGet();
            if (loadDelayMillis > 0) Thread.sleep(loadDelayMillis);
            Model m = Quanta.load(ModelOptions.of(sm.path()).withBackend("cpu").withKvCacheType(GgmlType.F32));
            return ServingEngine.start(m, EngineOptions.defaults().withParallel(2).withSlotContext(256));
        };
        cache = new ModelCache(catalog, loader, new ModelCache.Options(keepAlive, maxModels));
        server = QuantaServer.start(cache, ServerOptions.of("").withPort(0));
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
        if (cache != null) cache.close();
        http.close();
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** A short greedy chat with {@code model}; returns the answer's JSON after checking it is a 200 naming the model. */
    JsonNode chat(String model, String expectId, int maxTokens) throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\": \"" + model + "\", \"max_tokens\": " + maxTokens
                + ", \"temperature\": 0, \"ignore_eos\": true, \"messages\": [{\"role\": \"user\", \"content\": \"Once upon a time\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = JSON.readTree(r.body());
        assertEquals(expectId, j.get("model").asText());
        assertEquals(maxTokens, j.get("usage").get("completion_tokens").asInt());
        return j;
    }

    List<String> loadedIds() {
        return cache.loaded().stream().map(l -> l.model().id()).toList();
    }

    void awaitLoaded(List<String> want, long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (!loadedIds().equals(want) && System.nanoTime() < end) Thread.sleep(20);
        assertEquals(want, loadedIds());
    }

    @Test
    void listsTheCacheAndServesBothModelsOneAtATime() throws Exception {
        start(Duration.ofMinutes(5), 1);
        List<String> ids = new ArrayList<>();
        get("/v1/models").get("data").forEach(m -> ids.add(m.get("id").asText()));
        assertEquals(List.of(STORIES, TINY), ids);
        JsonNode tags = get("/api/tags").get("models");
        assertEquals(2, tags.size());
        assertEquals(TINY, tags.get(1).get("name").asText());
        assertEquals("Q4_0", tags.get(1).get("details").get("quantization_level").asText());
        assertEquals("llama", tags.get(0).get("details").get("family").asText());
        assertEquals(0, loads.get(), "listing loads nothing");
        assertEquals(0, get("/api/ps").get("models").size());

        String first = chat(STORIES, STORIES, 8).get("choices").get(0).get("message").get("content").asText();
        assertEquals(List.of(STORIES), loadedIds());
        chat(TINY, TINY, 8);
        awaitLoaded(List.of(TINY), 5000); // max 1 model: stories260K made room
        assertEquals(2, loads.get());
        // the other spellings of a name, and Ollama's
        assertEquals(first, chat("hf:" + STORIES.toLowerCase(), STORIES, 8).get("choices").get(0).get("message").get("content").asText(),
                "reloaded, the same greedy answer");
        chat("hf.co/quanta-test/tiny-GGUF", TINY, 4);
        HttpResponse<String> o = post("/api/chat", "{\"model\": \"" + TINY + ":latest\", \"stream\": false, \"options\": {\"num_predict\": 4},"
                + " \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertEquals(200, o.statusCode(), o.body());
        assertEquals(TINY, JSON.readTree(o.body()).get("model").asText());
        assertEquals(4, loads.get());
        JsonNode ps = get("/api/ps").get("models");
        assertEquals(1, ps.size());
        assertEquals(TINY, ps.get(0).get("name").asText());

        HttpResponse<String> missing = post("/v1/chat/completions", "{\"model\": \"nobody/nothing\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertEquals(404, missing.statusCode());
        JsonNode err = JSON.readTree(missing.body()).get("error");
        assertEquals("model_not_found", err.get("code").asText());
        assertTrue(err.get("message").asText().contains(STORIES) && err.get("message").asText().contains(TINY), err.toString());
        HttpResponse<String> none = post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertEquals(404, none.statusCode(), "two models: a request must name one");
    }

    @Test
    void idleModelsUnloadAndComeBack() throws Exception {
        start(Duration.ofMillis(1000), 2);
        chat(STORIES, STORIES, 4);
        chat(TINY, TINY, 4);
        assertEquals(2, cache.loaded().size(), "two fit"); // (if this machine took over 1 s for that, raise the keep-alive)
        awaitLoaded(List.of(), 5000);
        assertEquals(0, get("/api/ps").get("models").size());
        chat(TINY, TINY, 4);
        assertEquals(3, loads.get(), "reloaded after the idle unload");
        awaitLoaded(List.of(), 5000);

        // Ollama's keep_alive: -1 keeps the model past the default, 0 unloads it when the request ends
        HttpResponse<String> r = post("/api/generate", "{\"model\": \"" + STORIES + "\", \"prompt\": \"Once\", \"stream\": false,"
                + " \"keep_alive\": -1, \"options\": {\"num_predict\": 3}}");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(JSON.readTree(r.body()).get("load_duration").asLong() > 0, "the load time is reported");
        Thread.sleep(1300);
        assertEquals(List.of(STORIES), loadedIds(), "keep_alive -1: still loaded");
        assertNull(cache.loaded().getFirst().expiresAt());
        r = post("/api/generate", "{\"model\": \"" + STORIES + "\", \"prompt\": \"Once\", \"stream\": false,"
                + " \"keep_alive\": \"0s\", \"options\": {\"num_predict\": 3}}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(0, JSON.readTree(r.body()).get("load_duration").asLong(), "it was loaded already");
        awaitLoaded(List.of(), 2000);
        r = post("/api/generate", "{\"model\": \"" + STORIES + "\", \"prompt\": \"Once\", \"keep_alive\": \"soon\"}");
        assertEquals(400, r.statusCode(), r.body());
        assertEquals(4, loads.get());
    }

    @Test
    void concurrentFirstRequestsLoadOnce() throws Exception {
        start(Duration.ofMinutes(5), 1);
        loadDelayMillis = 400; // every request arrives while the model loads
        int n = 6;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<JsonNode>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) fs.add(pool.submit(() -> chat(TINY, TINY, 4)));
            for (Future<JsonNode> f : fs) f.get();
        }
        assertEquals(1, loads.get(), "one load for " + n + " concurrent first requests");
        assertEquals(1, cache.loads());
        assertEquals(List.of(TINY), loadedIds());
        // a lease is returned after the response is written, so the client can see the answer first
        for (int i = 0; i < 200 && cache.loaded().getFirst().inFlight() != 0; i++) Thread.sleep(10);
        assertEquals(0, cache.loaded().getFirst().inFlight(), "every lease returned within 2 s of the last answer");
    }

    @Test
    void evictionWaitsForInFlightRequests() throws Exception {
        start(Duration.ofMinutes(5), 1);
        chat(STORIES, STORIES, 2); // loaded
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            long[] longDone = new long[1];
            Callable<JsonNode> longOne = () -> {
                JsonNode j = chat(STORIES, STORIES, 48);
                longDone[0] = System.nanoTime();
                return j;
            };
            Future<JsonNode> a = pool.submit(longOne);
            long end = System.nanoTime() + 10_000_000_000L;
            while (cache.loaded().getFirst().inFlight() == 0 && System.nanoTime() < end) Thread.sleep(2);
            assertEquals(1, cache.loaded().getFirst().inFlight(), "the long request holds stories260K");
            Future<JsonNode> b = pool.submit(() -> chat(TINY, TINY, 4));
            JsonNode longAnswer = a.get(); // finished whole (48 tokens), not cut off by the eviction
            assertEquals("length", longAnswer.get("choices").get(0).get("finish_reason").asText());
            b.get();
            long bDone = System.nanoTime();
            assertTrue(bDone >= longDone[0], "the new model came after the old one's request ended");
        }
        assertEquals(List.of(TINY), loadedIds());
        assertEquals(2, loads.get());
    }

    @Test
    void leastRecentlyUsedIsEvicted() throws Exception {
        Path stories = catalog.get().getFirst().path();
        List<ServedModel> three = List.of(
                new ServedModel("a", List.of(), stories, 0, null, "llama", "F32"),
                new ServedModel("b", List.of(), stories, 0, null, "llama", "F32"),
                new ServedModel("c", List.of(), stories, 0, null, "llama", "F32"));
        ModelCache.Loader loader = sm -> {
            loads.incrementAndGet();
            return ServingEngine.start(Quanta.load(ModelOptions.of(sm.path()).withBackend("cpu").withKvCacheType(GgmlType.F32)),
                    EngineOptions.defaults().withParallel(1).withSlotContext(64));
        };
        try (ModelCache c = new ModelCache(() -> three, loader, new ModelCache.Options(Duration.ofMinutes(5), 2))) {
            cache = c;
            for (String id : List.of("a", "b", "a")) c.acquire(id, null).close();
            try (ModelLease lc = c.acquire("c", null)) {
                assertEquals("c", lc.id());
                assertTrue(lc.loadNanos() > 0);
                assertEquals(List.of("a", "c"), loadedIds().stream().sorted().toList(), "b was the least recently used");
            }
            assertThrows(UnknownModelException.class, () -> c.acquire("d", null));
            assertThrows(UnknownModelException.class, () -> c.acquire(null, null), "three models: name one");
            assertEquals(3, loads.get());
            assertTrue(c.isHealthy());
        }
        cache = null;
    }

    @Test
    void aFailedLoadIsReportedAndNotCached() throws Exception {
        List<ServedModel> bad = List.of(new ServedModel("broken", List.of(), hfHome.resolve("missing.gguf"), 0, null, "?", "?"));
        ModelCache.Loader loader = sm -> {
            loads.incrementAndGet();
            Thread.sleep(100);
            return ServingEngine.start(Quanta.load(ModelOptions.of(sm.path()).withBackend("cpu")), EngineOptions.defaults());
        };
        try (ModelCache c = new ModelCache(() -> bad, loader, ModelCache.Options.defaults())) {
            cache = c;
            server = QuantaServer.start(c, ServerOptions.of("").withPort(0));
            HttpResponse<String> r = post("/v1/chat/completions", "{\"model\": \"broken\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
            assertEquals(500, r.statusCode(), r.body());
            assertTrue(r.body().contains("cannot load broken"), r.body());
            assertThrows(ModelLoadException.class, () -> c.acquire("broken", null));
            assertEquals(2, loads.get(), "a failure is not remembered: the next request tries again");
            assertTrue(c.loaded().isEmpty());
        }
        cache = null;
    }

    @Test
    void keepAliveDurations() {
        assertEquals(Duration.ofMinutes(5), KeepAlive.parse("5m"));
        assertEquals(Duration.ofMinutes(90), KeepAlive.parse("1h30m"));
        assertEquals(Duration.ofMillis(250), KeepAlive.parse("250ms"));
        assertEquals(Duration.ofSeconds(300), KeepAlive.parse("300"));
        assertEquals(Duration.ofMillis(1500), KeepAlive.parse("1.5s"));
        assertEquals(Duration.ZERO, KeepAlive.parse("0"));
        assertTrue(KeepAlive.parse("-1").isNegative());
        assertTrue(KeepAlive.parse("-5m").isNegative());
        for (String bad : List.of("", "soon", "5x", "m", "1h 30m", "9999999999999999999h"))
            assertThrows(IllegalArgumentException.class, () -> KeepAlive.parse(bad), bad);
    }
}
