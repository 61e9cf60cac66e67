package dev.quanta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.testing.TestData;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code quanta serve} as a user runs it: it answers on its port, with its alias and key, and stops. */
class ServeCommandTest {
    @Test
    void servesUntilStopped() throws Exception {
        Path model = TestData.require("stories260K/stories260K.gguf");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String[] args = {"serve", "-m", model.toString(), "--port", Integer.toString(port), "-c", "64", "--parallel", "2",
                "--alias", "tiny", "--api-key", "k1", "--backend", "cpu"};
        int[] code = {-1};
        Thread t = new Thread(() -> code[0] = new CommandLine(new Main()).execute(args), "serve-under-test");
        t.start();
        try (HttpClient http = HttpClient.newHttpClient()) {
            URI health = URI.create("http://127.0.0.1:" + port + "/health");
            HttpResponse<String> h = null;
            for (int i = 0; i < 300 && h == null; i++) {
                try {
                    h = http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString());
                } catch (java.io.IOException notYet) {
                    Thread.sleep(50);
                }
            }
            assertEquals(200, h.statusCode());
            HttpRequest models = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models"))
                    .header("Authorization", "Bearer k1").timeout(Duration.ofSeconds(30)).build();
            HttpResponse<String> m = http.send(models, HttpResponse.BodyHandlers.ofString());
            assertTrue(m.body().contains("\"id\":\"tiny\""), m.body());
            HttpRequest noKey = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models")).build();
            assertEquals(401, http.send(noKey, HttpResponse.BodyHandlers.ofString()).statusCode());
        } finally {
            t.interrupt();
            t.join(30_000);
        }
        assertEquals(0, code[0]);
    }

    @Test
    void badOptionsAreOneLineErrors() {
        var r = CommandsTest.run("serve", "-m", TestData.require("stories260K/stories260K.gguf").toString(), "--pooling", "max");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--pooling must be mean or last"), r.err());
        r = CommandsTest.run("serve", "-m", "x.gguf", "--api-key-file", "/nonexistent/keys");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no such file"), r.err());
    }
}
