package dev.quanta.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.runtime.sampling.SamplerParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Old and odd files load and generate; bad files fail with one clear line. */
class LoadingTest {
    static final GenerationOptions GREEDY = GenerationOptions.defaults().withSampling(SamplerParams.greedy());

    @Test
    void legacyQ8_0FileWithFlatFfnDownLoadsAndFollowsTheF32Model() throws IOException {
        int[] want = Arrays.stream(Files.readString(TestData.require("stories260K/greedy_t0_200steps.ids")).trim().split("\\s+"))
                .mapToInt(Integer::parseInt).toArray();
        Path q8 = TestData.require("stories260K-legacy/tinyllamas-stories-260k-q8_0.gguf");
        try (Model m = Quanta.load(ModelOptions.of(q8).withBackend("reference").withContextLength(64));
             Session s = m.newSession()) {
            assertEquals(2, m.file().version());
            assertEquals(GgmlType.F32, m.weights().layer(0).ffnDown().type(), "flat Q8_0 ffn_down is dequantized at load");
            assertEquals(GgmlType.Q8_0, m.weights().layer(0).wq().type());
            GenerationResult r = s.generate(new int[] {1}, GREEDY.withMaxTokens(30), null);
            assertEquals(30, r.tokens().length);
            // Q8_0 weights stay close to the F32 model: the first tokens agree
            assertArrayEquals(Arrays.copyOf(want, 8), Arrays.copyOf(r.tokens(), 8));
            assertTrue(r.text().startsWith("Once upon a time"), r.text());
        }
    }

    @Test
    void ggufV1FileLoads() {
        Path v1 = TestData.require("stories260K-legacy/tinyllamas-stories-260k-f32.gguf");
        try (Model m = Quanta.load(ModelOptions.of(v1).withBackend("reference").withContextLength(32));
             Session s = m.newSession()) {
            GenerationResult r = s.generate(new int[] {1}, GREEDY.withMaxTokens(10), null);
            assertTrue(r.text().startsWith("Once upon a time"), r.text());
        }
    }

    @Test
    void tinyRandomLlamaWithFullVocabularyGenerates() {
        Path f = TestData.require("tiny-random/llama-2-tiny-random.gguf");
        try (Model m = Quanta.load(ModelOptions.of(f).withBackend("reference").withContextLength(64));
             Session s = m.newSession()) {
            assertEquals(32000, m.config().nVocab());
            assertEquals(GgmlType.F16, m.weights().layer(0).wq().type());
            GenerationResult r = s.generate(new int[] {1, 15043}, GREEDY.withMaxTokens(16).withIgnoreEos(true), null);
            assertEquals(16, r.tokens().length);
            for (int t : r.tokens()) assertTrue(t >= 0 && t < 32000);
        }
    }

    @Test
    void missingFileNamesIt(@TempDir Path dir) {
        Path p = dir.resolve("nope.gguf");
        QuantaException e = assertThrows(QuantaException.class, () -> Quanta.load(ModelOptions.of(p)));
        assertTrue(e.getMessage().contains("nope.gguf") && e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void nonGgufFileIsRejected(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("notes.txt");
        Files.writeString(p, "hello, this is not a model");
        RuntimeException e = assertThrows(RuntimeException.class, () -> Quanta.load(ModelOptions.of(p)));
        assertTrue(e.getMessage().contains("not a GGUF file"), e.getMessage());
    }

    @Test
    void unsupportedArchitectureIsNamedWithTheSupportedOnes(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("rwkv6.gguf");
        new dev.quanta.loader.gguf.GgufWriter().set("general.architecture", dev.quanta.loader.gguf.GgufValue.ofString("rwkv6")).write(f);
        QuantaException e = assertThrows(QuantaException.class, () -> Quanta.load(ModelOptions.of(f).withBackend("reference")));
        assertTrue(e.getMessage().contains("unsupported architecture 'rwkv6'") && e.getMessage().contains("llama, qwen2, qwen3, phi3, gemma2, gemma3"), e.getMessage());
    }

    @Test
    void vocabularyOnlyFileSaysWhatIsMissing() {
        Path f = TestData.require("vocab/ggml-vocab-llama-spm.gguf");
        QuantaException e = assertThrows(QuantaException.class, () -> Quanta.load(ModelOptions.of(f).withBackend("reference")));
        assertTrue(e.getMessage().contains("general.architecture") || e.getMessage().contains("token_embd"), e.getMessage());
    }

    /**
     * stories260K rewritten with {@code keys} edited and each tensor passed through {@code tensors}
     * (return null to drop it).
     */
    static Path variant(Path dir, String name, java.util.function.Consumer<java.util.Map<String, dev.quanta.loader.gguf.GgufValue>> keys,
                        java.util.function.UnaryOperator<dev.quanta.loader.gguf.GgufWriter.Tensor> tensors) throws IOException {
        Path out = dir.resolve(name);
        try (dev.quanta.loader.gguf.GgufFile f = dev.quanta.loader.gguf.GgufFile.open(TestData.require("stories260K/stories260K.gguf"))) {
            java.util.Map<String, dev.quanta.loader.gguf.GgufValue> kv = new java.util.LinkedHashMap<>(f.metadata().asMap());
            keys.accept(kv);
            dev.quanta.loader.gguf.GgufWriter w = new dev.quanta.loader.gguf.GgufWriter().setAll(kv);
            for (dev.quanta.loader.gguf.GgufTensorInfo t : f.tensors()) {
                var x = tensors.apply(new dev.quanta.loader.gguf.GgufWriter.Tensor(t.name(), t.type(), t.ne(),
                        dev.quanta.loader.gguf.GgufWriter.TensorSource.of(f.tensorData(t))));
                if (x != null) w.addTensor(x);
            }
            w.write(out);
        }
        return out;
    }

    @Test
    void missingHyperparameterKeyIsNamed(@TempDir Path dir) throws IOException {
        Path f = variant(dir, "no-layers.gguf", kv -> kv.remove("llama.block_count"), t -> t);
        QuantaException e = assertThrows(QuantaException.class, () -> Quanta.load(ModelOptions.of(f).withBackend("reference")));
        assertTrue(e.getMessage().contains("missing metadata key 'llama.block_count'"), e.getMessage());
    }

    @Test
    void missingTensorIsNamed(@TempDir Path dir) throws IOException {
        Path f = variant(dir, "no-norm.gguf", kv -> {}, t -> t.name().equals("blk.3.ffn_norm.weight") ? null : t);
        QuantaException e = assertThrows(QuantaException.class, () -> Quanta.load(ModelOptions.of(f).withBackend("reference")));
        assertTrue(e.getMessage().contains("missing tensor 'blk.3.ffn_norm.weight'"), e.getMessage());
    }

    @Test
    void tensorTypeNothingCanComputeIsNamed(@TempDir Path dir) throws IOException {
        byte[] junk = new byte[64 * 64 / 256 * GgmlType.IQ2_XXS.typeSize];
        Path f = variant(dir, "iq2.gguf", kv -> {}, t -> !t.name().equals("blk.0.attn_q.weight") ? t
                : new dev.quanta.loader.gguf.GgufWriter.Tensor(t.name(), GgmlType.IQ2_XXS, t.ne(), dev.quanta.loader.gguf.GgufWriter.TensorSource.of(junk)));
        QuantaException e = assertThrows(QuantaException.class, () -> Quanta.load(ModelOptions.of(f).withBackend("reference")));
        assertTrue(e.getMessage().contains("blk.0.attn_q.weight") && e.getMessage().contains("IQ2_XXS"), e.getMessage());
    }

    @Test
    void promptLongerThanTheContextIsRefused() {
        Path f = TestData.require("stories260K/stories260K.gguf");
        try (Model m = Quanta.load(ModelOptions.of(f).withBackend("reference").withContextLength(4));
             Session s = m.newSession()) {
            QuantaException e = assertThrows(QuantaException.class, () -> s.generate(new int[] {1, 2, 3, 4, 5}, GREEDY, null));
            assertTrue(e.getMessage().contains("longer than the context"), e.getMessage());
        }
    }

    @Test
    void fullContextStopsWithAMessageOrShifts() {
        Path f = TestData.require("stories260K/stories260K.gguf");
        try (Model m = Quanta.load(ModelOptions.of(f).withBackend("reference").withContextLength(16));
             Session s = m.newSession()) {
            GenerationResult r = s.generate(new int[] {1}, GREEDY.withMaxTokens(100), null);
            assertEquals(StopReason.CONTEXT_FULL, r.reason());
            assertEquals(16, r.tokens().length); // 15 evaluated after BOS + the one that did not fit
            assertTrue(r.message().contains("context full"), r.message());
            s.reset();
            GenerationResult shifted = s.generate(new int[] {1}, GREEDY.withMaxTokens(40).withContextShift(true), null);
            assertEquals(StopReason.MAX_TOKENS, shifted.reason());
            assertEquals(40, shifted.tokens().length);
            assertTrue(s.tokens().length <= 16);
            assertEquals(1, s.tokens()[0], "the shift keeps BOS");
        }
    }

    @Test
    void cancelFromAnotherThreadStopsGeneration() throws Exception {
        Path f = TestData.require("stories260K/stories260K.gguf");
        try (Model m = Quanta.load(ModelOptions.of(f).withBackend("reference").withContextLength(256));
             Session s = m.newSession()) {
            int[] count = {0};
            GenerationResult r = s.generate(new int[] {1}, GREEDY.withMaxTokens(200), t -> {
                if (++count[0] == 5) {
                    Thread th = new Thread(s::cancel);
                    th.start();
                    try {
                        th.join();
                    } catch (InterruptedException e) {
                        throw new RuntimeException(e);
                    }
                }
            });
            assertEquals(StopReason.CANCELLED, r.reason());
            assertTrue(r.tokens().length < 200);
        }
    }
}
