package dev.quanta.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.quantize.LlamaFtype;
import dev.quanta.loader.synth.SynthModel;
import dev.quanta.loader.synth.SynthShape;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelInfoTest {
    @Test
    void sizeClassesAsLlamaCpp() {
        assertEquals("1B", ModelInfo.sizeLabel("llama", 16, 128256, 32, 8));
        assertEquals("3B", ModelInfo.sizeLabel("llama", 28, 128256, 24, 8));
        assertEquals("7B", ModelInfo.sizeLabel("llama", 32, 32000, 32, 32));
        assertEquals("8B", ModelInfo.sizeLabel("llama", 32, 128256, 32, 8));
        assertEquals("70B", ModelInfo.sizeLabel("llama", 80, 128256, 64, 8));
        assertEquals("?B", ModelInfo.sizeLabel("llama", 5, 512, 8, 4));
        assertEquals("?B", ModelInfo.sizeLabel("qwen2", 16, 1000, 8, 8));
    }

    @Test
    void fileTypeNamesAsLlamaCpp() {
        assertEquals("Q4_K - Medium", ModelInfo.ftypeName(LlamaFtype.MOSTLY_Q4_K_M.id));
        assertEquals("Q4_0", ModelInfo.ftypeName(LlamaFtype.MOSTLY_Q4_0.id));
        assertEquals("F16", ModelInfo.ftypeName(LlamaFtype.MOSTLY_F16.id));
        assertEquals("all F32", ModelInfo.ftypeName(LlamaFtype.ALL_F32.id));
        assertEquals(LlamaFtype.MOSTLY_Q8_0.id, ModelInfo.guessFtype(GgmlType.Q8_0));
    }

    /** llama-bench on this file prints model_type "llama ?B all F32 (guessed)", model_size 1171200, model_n_params 292800. */
    @Test
    void storiesDescriptionMatchesLlamaBench() {
        Path p = TestData.require("stories260K/stories260K.gguf");
        try (GgufFile f = GgufFile.open(p)) {
            ModelInfo i = ModelInfo.of(f);
            assertEquals("llama ?B all F32 (guessed)", i.modelType());
            assertEquals(1171200, i.sizeBytes());
            assertEquals(292800, i.nParams());
        }
    }

    @Test
    void synthFileTypeComesFromMetadata(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("t.gguf");
        SynthModel.write(new SynthModel.Spec(SynthShape.TINY, LlamaFtype.MOSTLY_Q4_K_M, 3, null, 1), p);
        try (GgufFile f = GgufFile.open(p)) {
            ModelInfo i = ModelInfo.of(f);
            assertEquals("llama ?B Q4_K - Medium", i.modelType());
            assertEquals(SynthShape.TINY.parameterCount(), i.nParams());
        }
    }
}
