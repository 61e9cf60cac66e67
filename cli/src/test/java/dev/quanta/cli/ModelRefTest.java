package dev.quanta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.loader.hub.DownloadListener;
import dev.quanta.loader.hub.HubConfig;
import dev.quanta.loader.hub.HubException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelRef} and the list/rm commands over a cache laid out as huggingface_hub does. The hub endpoint is a
 * closed loopback port: a test that reached for the network would fail with "cannot reach".
 */
@Timeout(30)
class ModelRefTest {
    static final String COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
    @TempDir Path tmp;
    Path hubCache;

    @BeforeEach
    void setUp() throws Exception {
        hubCache = tmp.resolve("hf/hub");
        HubConfig cfg = new HubConfig(URI.create("http://127.0.0.1:1"), hubCache, tmp.resolve("quanta"), null, false, 0,
                Duration.ofMillis(1), Duration.ofSeconds(5), HubConfig.FreeSpace.FILE_STORE);
        ModelRef.config = () -> cfg;
        cache("acme/m-GGUF", "m-Q4_K_M.gguf", gguf("llama"));
        cache("acme/m-GGUF", "m-Q8_0.gguf", gguf("qwen2"));
    }

    @AfterEach
    void tearDown() {
        ModelRef.config = HubConfig::fromEnvironment;
    }

    /** Puts a file into the cache the way huggingface_hub does. */
    void cache(String repo, String file, byte[] data) throws Exception {
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        Path f = hubCache.resolve("models--" + repo.replace("/", "--"));
        Files.createDirectories(f.resolve("blobs"));
        Files.write(f.resolve("blobs").resolve(sha), data);
        Files.createDirectories(f.resolve("snapshots").resolve(COMMIT));
        Files.createSymbolicLink(f.resolve("snapshots").resolve(COMMIT).resolve(file), Path.of("../../blobs/" + sha));
        Files.createDirectories(f.resolve("refs"));
        Files.writeString(f.resolve("refs/main"), COMMIT);
    }

    /** A minimal GGUF v3 file: general.architecture only, no tensors. */
    static byte[] gguf(String arch) {
        byte[] key = "general.architecture".getBytes(StandardCharsets.UTF_8), val = arch.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 8 + 8 + 8 + key.length + 4 + 8 + val.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(0).putLong(1);
        b.putLong(key.length).put(key).putInt(8).putLong(val.length).put(val);
        return b.array();
    }

    Path snapshot(String file) {
        return hubCache.resolve("models--acme--m-GGUF/snapshots/" + COMMIT + "/" + file);
    }

    @Test
    void plainPathsAreReturnedAsIs() throws IOException {
        Path f = Files.write(tmp.resolve("x.gguf"), gguf("llama"));
        assertEquals(f, ModelRef.resolve(f.toString(), false, DownloadListener.NONE));
        HubException missing = assertThrows(HubException.class, () -> ModelRef.resolve(tmp.resolve("nope.gguf").toString(), false, DownloadListener.NONE));
        assertEquals("model file not found: " + tmp.resolve("nope.gguf") + " (give a GGUF file, or a reference such as hf:OWNER/REPO[:QUANT])", missing.getMessage());
        HubException dir = assertThrows(HubException.class, () -> ModelRef.resolve(tmp.toString(), false, DownloadListener.NONE));
        assertTrue(dir.getMessage().endsWith("is a folder, not a GGUF file"), dir.getMessage());
    }

    @Test
    void referencesResolveThroughTheCacheWithoutTheNetwork() {
        assertEquals(snapshot("m-Q4_K_M.gguf"), ModelRef.resolve("hf:acme/m-GGUF", false, DownloadListener.NONE));
        assertEquals(snapshot("m-Q8_0.gguf"), ModelRef.resolve("hf:acme/m-GGUF:q8_0", true, DownloadListener.NONE));
        assertEquals(snapshot("m-Q8_0.gguf"), ModelRef.resolve("hf:acme/m-GGUF/m-Q8_0.gguf", true, DownloadListener.NONE));
        HubException off = assertThrows(HubException.class, () -> ModelRef.resolve("hf:acme/m-GGUF:F16", true, DownloadListener.NONE));
        assertTrue(off.getMessage().startsWith("hf:acme/m-GGUF:F16 is not in the cache (" + hubCache + ") and offline mode is on"), off.getMessage());
        // not cached and online: it is pulled, which here reaches for the (closed) hub
        HubException on = assertThrows(HubException.class, () -> ModelRef.resolve("hf:acme/m-GGUF:F16", false, DownloadListener.NONE));
        assertTrue(on.getMessage().startsWith("cannot reach http://127.0.0.1:1 for acme/m-GGUF"), on.getMessage());
    }

    @Test
    void listAndRmCommands() throws Exception {
        String out = capture("list");
        String[] lines = out.split("\n");
        assertEquals(3, lines.length, out);
        assertTrue(lines[0].startsWith("MODEL") && lines[0].contains("QUANT") && lines[0].contains("ARCH") && lines[0].contains("PATH"), out);
        assertTrue(lines[1].startsWith("hf:acme/m-GGUF:Q4_K_M") && lines[1].contains("llama") && lines[1].contains(snapshot("m-Q4_K_M.gguf").toString()), out);
        assertTrue(lines[2].startsWith("hf:acme/m-GGUF:Q8_0") && lines[2].contains("qwen2"), out);
        assertTrue(capture("list", "--json").contains("\"arch\" : \"qwen2\""));

        assertEquals(1, Main.run("rm", "hf:acme/m-GGUF"), "two models cached: the bare repo is ambiguous");
        assertTrue(capture("rm", "hf:acme/m-GGUF:Q8_0").startsWith("removed hf:acme/m-GGUF/m-Q8_0.gguf ("), "rm output");
        assertTrue(Files.notExists(snapshot("m-Q8_0.gguf")));
        assertEquals(2, capture("list").split("\n").length);
        capture("rm", "hf:acme/m-GGUF", "--all");
        assertTrue(Files.notExists(hubCache.resolve("models--acme--m-GGUF")));
        assertTrue(capture("list").startsWith("no GGUF models cached"));
    }

    private static String capture(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run(args), String.join(" ", args));
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
