package dev.quanta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufValue;
import dev.quanta.loader.gguf.GgufWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quanta info} names the family Quanta runs a file as, with the hyperparameters the runtime reads. */
class InfoFamilyTest {
    @TempDir
    Path dir;

    @Test
    void namesGemma2WithWindowSoftcapsAndQueryScale() throws Exception {
        Path p = TestData.require("reference/gemma2-f16/model.gguf");
        CommandsTest.Run r = CommandsTest.run("info", p.toString(), "--no-tensors");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("family:        gemma2: 26 layers"), r.out());
        assertTrue(r.out().contains("sliding window 8 on even layers"), r.out());
        assertTrue(r.out().contains("attn softcap 5, final softcap 20"), r.out());
        assertTrue(r.out().contains("(Gemma 2)"), r.out());
    }

    @Test
    void namesPhi3InJson() throws Exception {
        Path p = TestData.require("reference/phi3-f16/model.gguf");
        CommandsTest.Run r = CommandsTest.run("info", p.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode fam = new ObjectMapper().readTree(r.out()).get("family");
        assertTrue(fam.get("supported").asBoolean());
        assertTrue(fam.get("summary").asText().startsWith("phi3: 2 layers"), fam.toString());
        assertTrue(fam.get("summary").asText().contains("sliding window 12 on every layer"), fam.toString());
    }

    @Test
    void unsupportedArchitectureIsNamedWithTheSupportedList() throws Exception {
        Path p = dir.resolve("rwkv.gguf");
        GgufWriter w = new GgufWriter();
        w.set("general.architecture", GgufValue.ofString("rwkv6"));
        w.write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals("rwkv6", f.metadata().architecture());
        }
        CommandsTest.Run r = CommandsTest.run("info", p.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("cannot run: unsupported architecture 'rwkv6' (supported: llama, qwen2, qwen3, phi3, gemma2, gemma3)"), r.out());
    }
}
