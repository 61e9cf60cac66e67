package dev.quanta.loader.synth;

import static org.junit.jupiter.api.Assertions.*;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.quant.QuantCodecs;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufTensorInfo;
import dev.quanta.loader.gguf.GgufWriter;
import dev.quanta.loader.quantize.LlamaFtype;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SynthModelTest {
    @TempDir
    Path dir;

    static final List<String> REQUIRED = List.of("general.architecture", "general.file_type", "llama.context_length", "llama.embedding_length",
            "llama.block_count", "llama.feed_forward_length", "llama.attention.head_count", "llama.attention.head_count_kv",
            "llama.attention.layer_norm_rms_epsilon", "llama.rope.freq_base", "llama.rope.dimension_count", "tokenizer.ggml.model",
            "tokenizer.ggml.tokens", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id");

    @ParameterizedTest
    @ValueSource(strings = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K_M", "Q4_K_S", "Q4_K_M", "Q5_K_M", "Q6_K"})
    void tinyModelRoundTripsAndHasWhatLlamaCppNeeds(String type) throws Exception {
        long seed = TestData.seed("synth " + type, 11);
        LlamaFtype f = LlamaFtype.parse(type);
        Path out = dir.resolve("tiny.gguf");
        SynthModel.Spec spec = new SynthModel.Spec(SynthShape.TINY, f, seed, null, 2);
        GgufWriter w = SynthModel.write(spec, out);
        try (GgufFile g = GgufFile.open(out)) {
            for (String k : REQUIRED) assertTrue(g.metadata().has(k), k);
            assertEquals(f.id, g.metadata().getInt("general.file_type"));
            assertEquals(w.metadata(), g.metadata().asMap());
            assertEquals(SynthShape.TINY.nLayer() * 9 + 3, g.tensors().size());
            long params = 0;
            for (GgufTensorInfo t : g.tensors()) {
                params += t.nelements();
                if (t.nDims() == 1) assertEquals(GgmlType.F32, t.type(), t.name());
            }
            assertEquals(SynthShape.TINY.parameterCount(), params);
            if (f == LlamaFtype.MOSTLY_Q4_K_M) {
                Set<GgmlType> types = Set.copyOf(g.tensors().stream().map(GgufTensorInfo::type).toList());
                assertEquals(Set.of(GgmlType.F32, GgmlType.Q4_K, GgmlType.Q6_K), types);
                assertEquals(GgmlType.Q6_K, g.requireTensor("output.weight").type());
            }
            // read(write(x)) == x: every tensor holds exactly what its source produces (the sources are deterministic)
            ExecutorService pool = Executors.newFixedThreadPool(1);
            try {
                GgufWriter again = SynthModel.build(new SynthModel.Spec(SynthShape.TINY, f, seed, null, 1), pool);
                for (GgufWriter.Tensor t : again.tensors()) {
                    ByteArrayOutputStream bos = new ByteArrayOutputStream();
                    t.source().writeTo(seg -> bos.writeBytes(seg.toArray(ValueLayout.JAVA_BYTE)));
                    GgufTensorInfo r = g.requireTensor(t.name());
                    assertEquals(t.type(), r.type());
                    assertArrayEquals(t.ne(), r.ne());
                    assertArrayEquals(bos.toByteArray(), g.tensorData(r).toArray(ValueLayout.JAVA_BYTE), t.name());
                }
            } finally {
                pool.shutdownNow();
            }
            // weights decode to mean ~0, std ~1/sqrt(k); norms are ones
            for (GgufTensorInfo t : g.tensors()) {
                if (!QuantCodecs.supported(t.type())) continue;
                float[] v = g.dequantize(t);
                double s = 0, s2 = 0;
                for (float x : v) { s += x; s2 += (double) x * x; }
                double mean = s / v.length, std = Math.sqrt(s2 / v.length - mean * mean);
                if (t.nDims() == 1) {
                    assertEquals(1.0, mean, 1e-6, t.name());
                } else {
                    double want = 1 / Math.sqrt(t.ne()[0]);
                    assertEquals(want, std, 0.25 * want, t.name() + " std");
                    assertEquals(0, mean, 0.1 * want, t.name() + " mean");
                }
            }
        }
    }

    @Test
    void sameSeedSameFileOtherSeedOtherFile() throws Exception {
        Path a = dir.resolve("a.gguf"), b = dir.resolve("b.gguf"), c = dir.resolve("c.gguf");
        SynthModel.write(new SynthModel.Spec(SynthShape.TINY, LlamaFtype.MOSTLY_Q4_0, 5, null, 1), a);
        SynthModel.write(new SynthModel.Spec(SynthShape.TINY, LlamaFtype.MOSTLY_Q4_0, 5, null, 2), b);
        SynthModel.write(new SynthModel.Spec(SynthShape.TINY, LlamaFtype.MOSTLY_Q4_0, 6, null, 2), c);
        assertEquals(-1L, Files.mismatch(a, b), "independent of the thread count");
        assertNotEquals(-1L, Files.mismatch(a, c));
    }

    @Test
    void vocabularyCopiedFromAVocabFile() throws Exception {
        Path vocab = TestData.require("vocab/ggml-vocab-llama-bpe.gguf");
        Path out = dir.resolve("bpe.gguf");
        SynthModel.write(new SynthModel.Spec(SynthShape.TINY, LlamaFtype.MOSTLY_Q8_0, 1, vocab, 2), out);
        try (GgufFile g = GgufFile.open(out); GgufFile v = GgufFile.open(vocab)) {
            assertEquals("gpt2", g.metadata().getString("tokenizer.ggml.model"));
            assertEquals(128256, g.metadata().getInt("llama.vocab_size"));
            assertArrayEquals(v.metadata().getStringArray("tokenizer.ggml.tokens"), g.metadata().getStringArray("tokenizer.ggml.tokens"));
            assertArrayEquals(new long[] {256, 128256}, g.requireTensor("token_embd.weight").ne());
        }
    }

    @Test
    void builtInVocabularyHasByteFallbackAndUniquePieces() {
        var m = SynthVocab.metadata(128256);
        String[] t = (String[]) ((dev.quanta.loader.gguf.GgufValue.GgufArray) m.get("tokenizer.ggml.tokens").value()).data();
        assertEquals(128256, t.length);
        assertEquals(t.length, Set.of(t).size());
        assertEquals("<unk>", t[0]);
        assertEquals("<0x00>", t[3]);
        assertEquals("<0xFF>", t[258]);
        assertThrows(IllegalArgumentException.class, () -> SynthVocab.metadata(100));
    }

    @Test
    void shapesOfTheRealModels() {
        assertEquals(1_235_814_400L, SynthShape.LLAMA_1B.parameterCount(), "Llama-3.2-1B");
        assertEquals(8_030_261_248L, SynthShape.LLAMA_8B.parameterCount(), "Llama-3.1-8B");
    }
}
