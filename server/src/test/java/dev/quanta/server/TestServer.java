package dev.quanta.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import dev.quanta.kernels.GgmlType;
import dev.quanta.runtime.Model;
import dev.quanta.runtime.ModelOptions;
import dev.quanta.runtime.Quanta;
import dev.quanta.runtime.serving.EngineOptions;
import dev.quanta.runtime.serving.ServingEngine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/** A model, an engine and a server on 127.0.0.1 with a free port, closed together. */
final class TestServer implements AutoCloseable {
    final Model model;
    final ServingEngine engine;
    final QuantaServer server;
    final String key;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    TestServer(Path gguf, String id, EngineOptions eo, String key) {
        this.model = Quanta.load(ModelOptions.of(gguf).withBackend("cpu").withKvCacheType(GgmlType.F32));
        this.engine = ServingEngine.start(model, eo);
        this.key = key;
        ServerOptions so = ServerOptions.of(id).withPort(0).withMaxBodyBytes(64 << 10)
                .withApiKeys(key == null ? Set.of() : Set.of(key));
        this.server = QuantaServer.start(engine, so);
    }

    String base() {
        return "http://127.0.0.1:" + server.port();
    }

    /** The official OpenAI client, no retries, a short timeout. */
    OpenAIClient openAi() {
        return openAi(key == null ? "unused" : key);
    }

    OpenAIClient openAi(String apiKey) {
        return OpenAIOkHttpClient.builder().baseUrl(base() + "/v1").apiKey(apiKey).maxRetries(0)
                .timeout(Duration.ofSeconds(60)).build();
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return post(path, body, key);
    }

    HttpResponse<String> post(String path, String body, String apiKey) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30)).GET();
        if (key != null) b.header("Authorization", "Bearer " + key);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until every slot is idle again. */
    void awaitIdle() throws InterruptedException {
        for (int i = 0; i < 500 && (engine.stats().activeSlots() > 0 || engine.stats().queued() > 0); i++) Thread.sleep(10);
        if (engine.stats().activeSlots() != 0 || engine.stats().queued() != 0)
            throw new AssertionError("slots still busy: " + engine.slotStates() + ", queued " + engine.stats().queued());
    }

    @Override
    public void close() {
        http.close();
        server.close();
        engine.close();
        model.close();
    }
}
