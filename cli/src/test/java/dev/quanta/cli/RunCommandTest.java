package dev.quanta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.testing.TestData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** quanta run / logits on real files, and one clear line for bad input. */
class RunCommandTest {
    static String stories() {
        return TestData.require("stories260K/stories260K.gguf").toString();
    }

    @Test
    void greedyFromBosPrintsLlama2cExpectedOutput() throws IOException {
        String want = Files.readString(TestData.require("stories260K/greedy_t0_200steps.txt"));
        CliHarness.Result r = CliHarness.run("run", "-m", stories(), "-p", "", "-n", "200", "--temp", "0", "--backend", "reference");
        assertEquals(0, r.code(), r.err());
        assertEquals(want, r.out());
        assertTrue(r.err().contains("load time") && r.err().contains("prompt eval time") && r.err().contains("200 tokens"), r.err());
    }

    @Test
    void logitsCommandWritesFloat32Rows(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("l.f32");
        CliHarness.Result r = CliHarness.run("logits", "-m", stories(), "--ids", "1,403", "-o", out.toString(), "--backend", "reference");
        assertEquals(0, r.code(), r.err());
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(2 * 512 * 4, b.capacity());
        String[] want = Files.readString(TestData.require("stories260K/logits_pos0_after_bos.txt")).trim().split("\\s+");
        double max = 0;
        for (int i = 0; i < 512; i++) max = Math.max(max, Math.abs(b.getFloat(i * 4) - Double.parseDouble(want[i])));
        assertTrue(max < 1e-4, "row 0 differs by " + max);
    }

    static void assertOneLineError(CliHarness.Result r, String... fragments) {
        assertNotEquals(0, r.code());
        String err = r.err().strip();
        String last = err.lines().reduce((a, b) -> b).orElse("");
        for (String f : fragments) assertTrue(last.contains(f), "expected '" + f + "' in: " + err);
        assertTrue(last.startsWith("error: "), err);
        assertFalse(err.contains("\tat ") || err.contains("Exception"), "stack trace without --verbose: " + err);
    }

    @Test
    void missingFile(@TempDir Path dir) {
        assertOneLineError(CliHarness.run("run", "-m", dir.resolve("absent.gguf").toString(), "-p", "x"), "absent.gguf", "model file not found");
    }

    @Test
    void notAGgufFile(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("readme.txt");
        Files.writeString(p, "plain text, not a model");
        assertOneLineError(CliHarness.run("run", "-m", p.toString(), "-p", "x"), "readme.txt", "not a GGUF file");
    }

    @Test
    void unsupportedArchitecture(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("rwkv6.gguf");
        new dev.quanta.loader.gguf.GgufWriter().set("general.architecture", dev.quanta.loader.gguf.GgufValue.ofString("rwkv6")).write(p);
        assertOneLineError(CliHarness.run("run", "-m", p.toString(), "-p", "x", "--backend", "reference"),
                "unsupported architecture 'rwkv6'", "supported: llama, qwen2, qwen3, phi3, gemma2, gemma3");
    }

    @Test
    void unknownBackendAndBadKvType() {
        assertOneLineError(CliHarness.run("run", "-m", stories(), "--backend", "tpu"), "unknown backend 'tpu'");
        assertOneLineError(CliHarness.run("run", "-m", stories(), "--kv-type", "q4_0"), "--kv-type q4_0");
    }

    @Test
    void verboseShowsTheStackTrace(@TempDir Path dir) {
        CliHarness.Result r = CliHarness.run("run", "-m", dir.resolve("absent.gguf").toString(), "--verbose");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("\tat "), r.err());
    }
}
