package dev.quanta.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.loader.gguf.GgufFile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The info, quantize and synth commands, run through Main as a user runs them. */
class CommandsTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static synchronized Run run(String... args) {
        PrintStream o = System.out, e = System.err;
        ByteArrayOutputStream bo = new ByteArrayOutputStream(), be = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bo, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(be, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Run(code, bo.toString(StandardCharsets.UTF_8), be.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
    }

    @Test
    void infoJsonDescribesAModel() throws Exception {
        Path p = TestData.require("reference/qwen2-q4_k_m/model.gguf");
        Run r = run("info", p.toString(), "--json");
        assertEquals(0, r.code, r.err);
        JsonNode j = new ObjectMapper().readTree(r.out);
        assertEquals("qwen2", j.get("architecture").asText());
        assertEquals(256, j.get("hyperparameters").get("embedding_length").asInt());
        assertEquals(512, j.get("tokenizer").get("vocab_size").asInt());
        assertEquals("Q4_K_M (15)", j.get("file_type").asText());
        assertTrue(j.get("bytes_per_type").has("Q6_K"));
        assertEquals(26, j.get("tensors").size());
        assertTrue(j.get("metadata").get("tokenizer.ggml.tokens").asText().contains("more"), "long arrays summarized");
    }

    @Test
    void infoTextShowsUnsignedValuesAndFlatTensors() {
        Run r = run("info", TestData.require("stories260K-legacy/tinyllamas-stories-260k-q8_0.gguf").toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("GGUF v2"), r.out);
        assertTrue(r.out.contains("not block-aligned"), "flat ffn_down flagged");
        assertTrue(r.out.contains("parameters:"));
    }

    @Test
    void nonGgufIsOneClearLine() throws Exception {
        Path p = dir.resolve("notes.txt");
        Files.writeString(p, "just text");
        Run r = run("info", p.toString());
        assertEquals(1, r.code);
        assertEquals(1, r.err.strip().lines().count(), r.err);
        assertTrue(r.err.contains("not a GGUF file") && r.err.contains("notes.txt"), r.err);
    }

    @Test
    void quantizeMatchesLlamaQuantizeAndSynthWritesALoadableModel() throws Exception {
        Path in = TestData.require("reference/qwen2-f16/model.gguf");
        Path out = dir.resolve("q8.gguf");
        Run r = run("quantize", in.toString(), out.toString(), "Q8_0", "--threads", "2");
        assertEquals(0, r.code, r.err);
        assertTrue(r.err.contains("%"), "progress bar on stderr");
        assertEquals(-1L, Files.mismatch(TestData.require("reference/qwen2-q8_0/model.gguf"), out));

        Path s = dir.resolve("synth.gguf");
        Run r2 = run("synth", "--shape", "tiny", "--type", "Q4_0", "--seed", "3", "-o", s.toString());
        assertEquals(0, r2.code, r2.err);
        try (GgufFile g = GgufFile.open(s)) {
            assertEquals("llama", g.metadata().architecture());
            assertEquals(2, g.metadata().getInt("general.file_type"));
        }
        Run bad = run("synth", "--shape", "huge", "-o", s.toString());
        assertEquals(1, bad.code);
        assertTrue(bad.err.contains("unknown shape"), bad.err);
    }
}
