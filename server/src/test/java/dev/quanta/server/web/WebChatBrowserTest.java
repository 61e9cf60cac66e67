package dev.quanta.server.web;

import static org.junit.jupiter.api.Assertions.*;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.runtime.Model;
import dev.quanta.runtime.ModelOptions;
import dev.quanta.runtime.Quanta;
import dev.quanta.runtime.serving.EngineOptions;
import dev.quanta.runtime.serving.ServingEngine;
import dev.quanta.server.QuantaServer;
import dev.quanta.server.ServerOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The web chat at {@code /}: its files over plain HTTP (public with a key, a strict Content-Security-Policy),
 * then the page itself in a real browser — Debian's chromium, headless, driven by playwright-core
 * ({@code src/test/js/webchat-test.mjs}): enter the key, send a message and see the answer stream in, stop a
 * generation and see the server free the slot, keep a two-turn conversation, take a screenshot
 * ({@code target/webchat.png}). The browser part is skipped, with the reason, when chromium, node or the npm
 * modules ({@code npm ci} in src/test/js) are missing.
 */
class WebChatBrowserTest {
    static final String KEY = "webchat-test-key";
    static final String ID = "stories260K";
    static Model model;
    static ServingEngine engine;
    static QuantaServer server;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        Path gguf = TestData.require("stories260K/stories260K.gguf");
        model = Quanta.load(ModelOptions.of(gguf).withBackend("cpu").withKvCacheType(GgmlType.F32));
        engine = ServingEngine.start(model, EngineOptions.defaults().withParallel(2));
        server = QuantaServer.start(engine, ServerOptions.of(ID).withPort(0).withApiKeys(Set.of(KEY)));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (engine != null) engine.close();
        if (model != null) model.close();
    }

    static String base() {
        return "http://127.0.0.1:" + server.port();
    }

    static HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30)).GET();
        if (key != null) b.header("Authorization", "Bearer " + key);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void pageAndFilesArePublicTheApiIsNot() throws Exception {
        HttpResponse<String> page = get("/", null);
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertTrue(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"), csp);
        for (String f : List.of("chat.js", "chat.css", "icon.svg")) {
            HttpResponse<String> r = get("/web/" + f, null);
            assertEquals(200, r.statusCode(), f);
            assertTrue(page.body().contains("/web/" + f), "the page links " + f);
        }
        assertEquals(404, get("/web/nothing.js", null).statusCode());
        assertEquals(401, get("/v1/models", null).statusCode());
        assertEquals(200, get("/v1/models", KEY).statusCode());
        assertEquals(200, get("/health", null).statusCode());
        // nothing from elsewhere: no absolute URLs in what the page loads
        for (String f : List.of("/", "/web/chat.js", "/web/chat.css"))
            assertFalse(get(f, null).body().matches("(?s).*(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}/.*"), f + " refers to another host");
    }

    @Test
    void chatInARealBrowser() throws Exception {
        Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
        Assumptions.assumeTrue(Files.isExecutable(chromium),
                "skipped: no chromium at " + chromium + " (apt-get install chromium, or set CHROMIUM)");
        String node = which("node");
        Assumptions.assumeTrue(node != null, "skipped: node is not on the PATH (apt-get install nodejs npm)");
        Path js = Path.of("src/test/js").toAbsolutePath();
        Assumptions.assumeTrue(Files.isDirectory(js.resolve("node_modules/playwright-core")),
                "skipped: playwright-core is not installed (run 'npm ci' in " + js + ")");

        Path shot = Path.of("target/webchat.png").toAbsolutePath();
        Files.createDirectories(shot.getParent());
        Files.deleteIfExists(shot);
        ProcessBuilder pb = new ProcessBuilder(node, "webchat-test.mjs").directory(js.toFile()).redirectErrorStream(true);
        pb.environment().put("QUANTA_URL", base());
        pb.environment().put("QUANTA_KEY", KEY);
        pb.environment().put("QUANTA_MODEL", ID);
        pb.environment().put("SCREENSHOT", shot.toString());
        pb.environment().put("CHROMIUM", chromium.toString());
        Process p = pb.start();
        List<String> lines = new ArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (var in = p.inputReader(StandardCharsets.UTF_8)) {
                for (String line; (line = in.readLine()) != null; ) {
                    System.out.println(line);
                    synchronized (lines) {
                        lines.add(line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        if (!p.waitFor(240, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the browser test did not finish in 240 s");
        }
        reader.join(5000);
        String out;
        synchronized (lines) {
            out = String.join("\n", lines);
        }
        assertEquals(0, p.exitValue(), "the browser test failed:\n" + out);
        assertTrue(out.contains("webchat: PASS"), out);
        assertTrue(Files.size(shot) > 10_000, "a screenshot was saved");
        assertEquals(0, engine.stats().activeSlots(), "the server is idle");
        assertTrue(engine.stats().requestsCancelled() >= 1, "the stopped request was cancelled");
    }

    private static String which(String exe) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, exe);
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }
}
