package dev.quanta.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufValue;
import dev.quanta.loader.gguf.GgufWriter;
import dev.quanta.loader.synth.SynthVocab;
import dev.quanta.runtime.arch.Architectures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The families beyond llama/qwen2. phi3 and gemma2 are checked against llama.cpp by
 * {@link ReferenceModelsTest}; qwen3, gemma3, llama with a sliding window (Mistral) and phi3's LongRoPE
 * are not in the reference data, so here small synthetic models (random F32 weights, written with the
 * loader's {@link GgufWriter}) are run by the runtime and compared with {@link FamilyOracle}, an
 * independent float64 forward pass written from the families' descriptions. The oracle is itself first
 * checked against llama.cpp's outputs for phi3 and gemma2. Each family test also shows that its
 * distinctive feature matters (turning it off in the oracle moves the logits far beyond the tolerance),
 * and that the logits do not depend on how the prompt is cut into micro-batches.
 */
class FamiliesTest {
    static final double TOL = 1e-3;
    static final int VOCAB = 320;

    @TempDir
    static Path tmp;

    // ---- the oracle against llama.cpp --------------------------------------------------------

    @Test
    void oracleReproducesLlamaCppPhi3() throws IOException {
        Path dir = TestData.require("reference/phi3-f16");
        try (GgufFile f = GgufFile.open(dir.resolve("model.gguf"))) {
            FamilyOracle o = new FamilyOracle(f, 128, 2, 4, 4, 32, 256, 1e-5);
            var spec = new FamilyOracle.Spec(true, 32, 10000, 1, 0, 1, null, 12, l -> true, 1 / Math.sqrt(32), 0, 0, 1,
                    false, false, false);
            double d = maxDiff(o.logits(ReferenceModelsTest.ints(Files.readString(dir.resolve("prompt.ids"))), spec), dir);
            System.out.printf(Locale.ROOT, "oracle vs llama.cpp phi3-f16 f32ref: %.2e%n", d);
            assertTrue(d < TOL, "oracle vs phi3 f32ref: " + d);
        }
    }

    @Test
    void oracleReproducesLlamaCppGemma2() throws IOException {
        Path dir = TestData.require("reference/gemma2-f16");
        try (GgufFile f = GgufFile.open(dir.resolve("model.gguf"))) {
            FamilyOracle o = new FamilyOracle(f, 64, 26, 4, 2, 32, 96, 1e-6);
            var spec = new FamilyOracle.Spec(true, 32, 10000, 1, 0, 1, null, 8, l -> l % 2 == 0, 1 / Math.sqrt(32), 5, 20,
                    Math.sqrt(64), true, false, true);
            double d = maxDiff(o.logits(ReferenceModelsTest.ints(Files.readString(dir.resolve("prompt.ids"))), spec), dir);
            System.out.printf(Locale.ROOT, "oracle vs llama.cpp gemma2-f16 f32ref: %.2e%n", d);
            assertTrue(d < 0.05, "oracle vs gemma2 f32ref: " + d); // llama.cpp's GELU is an f16 table
        }
    }

    // ---- families without reference data -----------------------------------------------------

    @Test
    void qwen3QkNorm() throws IOException {
        Map<String, GgufValue> kv = hparams("qwen3", 64, 2, 4, 2, 96, 64, 1e-6f, 1e6f);
        kv.put("qwen3.attention.key_length", GgufValue.ofU32(24));
        kv.put("qwen3.attention.value_length", GgufValue.ofU32(24));
        Map<String, long[]> t = tensors(64, 2, 4 * 24, 2 * 24, 2 * 24, 96, false);
        for (int l = 0; l < 2; l++) {
            t.put("blk." + l + ".attn_q_norm.weight", new long[] {24});
            t.put("blk." + l + ".attn_k_norm.weight", new long[] {24});
        }
        Path file = write("qwen3", kv, t, null, 31);
        var spec = new FamilyOracle.Spec(true, 24, 1e6, 1, 0, 1, null, 0, l -> false, 1 / Math.sqrt(24), 0, 0, 1, false, true, false);
        FamilyOracle.Spec off = spec.withoutQkNorm();
        checkFamily(file, 64, new int[] {64, 2, 4, 2, 24, 96}, 1e-6, spec, off, "QK-norm");
    }

    @Test
    void gemma3LocalGlobalLayers() throws IOException {
        int layers = 7; // layers 0-4 and 6 local (window 4, RoPE base 10000), layer 5 global (base 1e6, linear x2)
        Map<String, GgufValue> kv = hparams("gemma3", 64, layers, 4, 2, 96, 64, 1e-6f, 1e6f);
        kv.put("gemma3.attention.key_length", GgufValue.ofU32(32));
        kv.put("gemma3.attention.value_length", GgufValue.ofU32(32));
        kv.put("gemma3.attention.sliding_window", GgufValue.ofU32(4));
        kv.put("gemma3.rope.scaling.type", GgufValue.ofString("linear"));
        kv.put("gemma3.rope.scaling.factor", GgufValue.ofF32(2f));
        Map<String, long[]> t = tensors(64, layers, 128, 64, 64, 96, false);
        for (int l = 0; l < layers; l++) {
            t.put("blk." + l + ".attn_q_norm.weight", new long[] {32});
            t.put("blk." + l + ".attn_k_norm.weight", new long[] {32});
            t.put("blk." + l + ".post_attention_norm.weight", new long[] {64});
            t.put("blk." + l + ".post_ffw_norm.weight", new long[] {64});
        }
        Path file = write("gemma3", kv, t, null, 32);
        var spec = new FamilyOracle.Spec(true, 32, 1e6, 0.5, 10000, 1, null, 4, l -> l % 6 < 5, 1 / Math.sqrt(32), 0, 0,
                Math.sqrt(64), true, true, true);
        checkFamily(file, 64, new int[] {64, layers, 4, 2, 32, 96}, 1e-6, spec, spec.withoutWindow(), "sliding window");
        checkFamily(file, 64, new int[] {64, layers, 4, 2, 32, 96}, 1e-6, spec, spec.withoutQkNorm(), "QK-norm");
    }

    /**
     * gemma2 as llama.cpp's 27B model type (46 layers): queries scaled by 1/sqrt(nEmbd / nHead) = 1/4, not
     * 1/sqrt(head size 32); a file without the soft-cap and window keys gets llama.cpp's defaults (50, 30, 4096).
     */
    @Test
    void gemma2TwentySevenBQueryScaleAndDefaults() throws IOException {
        int layers = 46;
        Map<String, GgufValue> kv = hparams("gemma2", 64, layers, 4, 2, 64, 64, 1e-6f, 10000f);
        kv.put("gemma2.attention.key_length", GgufValue.ofU32(32));
        kv.put("gemma2.attention.value_length", GgufValue.ofU32(32));
        Map<String, long[]> t = tensors(64, layers, 128, 64, 64, 64, false);
        for (int l = 0; l < layers; l++) {
            t.put("blk." + l + ".post_attention_norm.weight", new long[] {64});
            t.put("blk." + l + ".post_ffw_norm.weight", new long[] {64});
        }
        Path file = write("gemma2", kv, t, null, 36);
        try (Model m = Quanta.load(ModelOptions.of(file).withBackend("reference"))) {
            assertEquals(0.25f, m.config().attnScale(), 1e-7);
            assertEquals(50f, m.config().features().attnSoftcap());
            assertEquals(30f, m.config().features().finalSoftcap());
            assertEquals(4096, m.config().features().slidingWindow());
        }
        var spec = new FamilyOracle.Spec(true, 32, 10000, 1, 0, 1, null, 4096, l -> l % 2 == 0, 0.25, 50, 30,
                Math.sqrt(64), true, false, true);
        checkFamily(file, 64, new int[] {64, layers, 4, 2, 32, 64}, 1e-6, spec, spec.withQScale(1 / Math.sqrt(32)), "the 27B query scale");
    }

    @Test
    void llamaWithMistralSlidingWindow() throws IOException {
        Map<String, GgufValue> kv = hparams("llama", 64, 2, 4, 2, 96, 64, 1e-5f, 10000f);
        kv.put("llama.attention.sliding_window", GgufValue.ofU32(5));
        Path file = write("llama", kv, tensors(64, 2, 64, 32, 32, 96, false), null, 33);
        var spec = new FamilyOracle.Spec(false, 16, 10000, 1, 0, 1, null, 5, l -> true, 0.25, 0, 0, 1, false, false, false);
        checkFamily(file, 64, new int[] {64, 2, 4, 2, 16, 96}, 1e-5, spec, spec.withoutWindow(), "sliding window");
    }

    @Test
    void phi3LongRopeChoosesFactorsByContext() throws IOException {
        Map<String, GgufValue> kv = hparams("phi3", 64, 2, 4, 4, 96, 128, 1e-5f, 10000f);
        kv.put("phi3.attention.sliding_window", GgufValue.ofU32(6));
        kv.put("phi3.rope.scaling.original_context_length", GgufValue.ofU32(32));
        kv.put("phi3.rope.scaling.attn_factor", GgufValue.ofF32(1.19f));
        Map<String, long[]> t = tensors(64, 2, 64, 64, 64, 96, true);
        t.put("rope_factors_long.weight", new long[] {8});
        t.put("rope_factors_short.weight", new long[] {8});
        double[] lng = new double[8], shrt = new double[8];
        for (int i = 0; i < 8; i++) {
            lng[i] = 1 + 3.0 * i;          // up to 22: far from 1 for the slow pairs
            shrt[i] = 1 + 0.1 * i;
        }
        Map<String, double[]> fixed = Map.of("rope_factors_long.weight", lng, "rope_factors_short.weight", shrt);
        Path file = write("phi3", kv, t, fixed, 34);
        var base = new FamilyOracle.Spec(true, 16, 10000, 1, 0, (float) 1.19, null, 6, l -> true, 0.25, 0, 0, 1, false, false, false);
        int[] dims = {64, 2, 4, 4, 16, 96};
        // context 64 > original 32: the long factors; context 32: the short ones
        checkFamily(file, 64, dims, 1e-5, base.withFreqFactors(lng), base.withFreqFactors(shrt), "long factors at n_ctx 64");
        checkFamily(file, 32, dims, 1e-5, base.withFreqFactors(shrt), base.withFreqFactors(lng), "short factors at n_ctx 32");
    }

    @Test
    void unsupportedArchitectureNamesItAndListsTheSupported() throws IOException {
        Map<String, GgufValue> kv = hparams("mamba", 64, 1, 4, 4, 96, 64, 1e-5f, 10000f);
        Path file = write("mamba", kv, tensors(64, 1, 64, 64, 64, 96, false), null, 35);
        QuantaException e = assertThrows(QuantaException.class, () -> Quanta.load(ModelOptions.of(file).withBackend("reference")));
        assertTrue(e.getMessage().contains("unsupported architecture 'mamba'"), e.getMessage());
        for (String a : Architectures.supported()) assertTrue(e.getMessage().contains(a), e.getMessage());
        assertTrue(Architectures.supported().containsAll(java.util.List.of("llama", "qwen2", "qwen3", "phi3", "gemma2", "gemma3")));
    }

    /**
     * The runtime (reference backend, F32 KV) against the oracle within {@link #TOL}, with the prompt in one
     * micro-batch and one token at a time; the default backend (F16 KV) within 0.05; and the oracle with
     * {@code off} (one feature changed) at least 50x the tolerance away, so the feature is exercised.
     */
    static void checkFamily(Path file, int nCtx, int[] d, double eps, FamilyOracle.Spec spec, FamilyOracle.Spec off, String feature)
            throws IOException {
        int[] prompt = new int[20];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < prompt.length; i++) prompt[i] = 3 + r.nextInt(VOCAB - 3);
        double[][] want, wantOff;
        try (GgufFile f = GgufFile.open(file)) {
            FamilyOracle o = new FamilyOracle(f, d[0], d[1], d[2], d[3], d[4], d[5], eps);
            want = o.logits(prompt, spec);
            wantOff = o.logits(prompt, off);
        }
        String name = file.getFileName().toString();
        float[][] whole, single;
        ModelOptions opts = ModelOptions.of(file).withBackend("reference").withContextLength(nCtx).withKvCacheType(GgmlType.F32);
        try (Model m = Quanta.load(opts); Session s = m.newSession()) {
            whole = s.evaluateAll(prompt);
        }
        try (Model m = Quanta.load(opts.withMicroBatch(1)); Session s = m.newSession()) {
            single = s.evaluateAll(prompt);
        }
        float[][] cpu;
        try (Model m = Quanta.load(ModelOptions.of(file).withContextLength(nCtx)); Session s = m.newSession()) {
            cpu = s.evaluateAll(prompt);
        }
        double dWhole = maxDiff(want, whole), dSingle = maxDiff(want, single), dBatch = maxDiff(whole, single);
        double dCpu = maxDiff(want, cpu), dOff = maxDiff(want, wantOff);
        System.out.printf(Locale.ROOT, "%s: vs oracle %.2e (one batch), %.2e (token by token), batching %.2e, default backend F16 KV %.2e;"
                + " oracle without %s moves %.2f%n", name, dWhole, dSingle, dBatch, dCpu, feature, dOff);
        assertTrue(dWhole < TOL, name + ": one batch vs oracle " + dWhole);
        assertTrue(dSingle < TOL, name + ": token by token vs oracle " + dSingle);
        assertTrue(dBatch < 1e-4, name + ": batching changes the logits by " + dBatch);
        assertTrue(dCpu < 0.05, name + ": default backend vs oracle " + dCpu);
        assertTrue(dOff > 50 * TOL, name + ": " + feature + " has no visible effect (" + dOff + ")");
    }

    // ---- synthetic files ---------------------------------------------------------------------

    static Map<String, GgufValue> hparams(String arch, int nEmbd, int nLayer, int nHead, int nHeadKv, int nFf, int ctx, float eps, float base) {
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("general.architecture", GgufValue.ofString(arch));
        kv.put("general.name", GgufValue.ofString("families-test " + arch));
        kv.put(arch + ".context_length", GgufValue.ofU32(ctx));
        kv.put(arch + ".embedding_length", GgufValue.ofU32(nEmbd));
        kv.put(arch + ".block_count", GgufValue.ofU32(nLayer));
        kv.put(arch + ".feed_forward_length", GgufValue.ofU32(nFf));
        kv.put(arch + ".attention.head_count", GgufValue.ofU32(nHead));
        kv.put(arch + ".attention.head_count_kv", GgufValue.ofU32(nHeadKv));
        kv.put(arch + ".attention.layer_norm_rms_epsilon", GgufValue.ofF32(eps));
        kv.put(arch + ".rope.freq_base", GgufValue.ofF32(base));
        kv.putAll(SynthVocab.metadata(VOCAB));
        return kv;
    }

    /** The llama tensor set (phi3: fused attn_qkv and ffn_up), untied output for phi3, tied otherwise. */
    static Map<String, long[]> tensors(int e, int layers, int qDim, int kDim, int vDim, int ff, boolean phi3) {
        Map<String, long[]> t = new LinkedHashMap<>();
        t.put("token_embd.weight", new long[] {e, VOCAB});
        t.put("output_norm.weight", new long[] {e});
        if (phi3) t.put("output.weight", new long[] {e, VOCAB});
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            t.put(p + "attn_norm.weight", new long[] {e});
            if (phi3) {
                t.put(p + "attn_qkv.weight", new long[] {e, qDim + kDim + vDim});
            } else {
                t.put(p + "attn_q.weight", new long[] {e, qDim});
                t.put(p + "attn_k.weight", new long[] {e, kDim});
                t.put(p + "attn_v.weight", new long[] {e, vDim});
            }
            t.put(p + "attn_output.weight", new long[] {qDim, e});
            t.put(p + "ffn_norm.weight", new long[] {e});
            if (phi3) {
                t.put(p + "ffn_up.weight", new long[] {e, 2L * ff});
            } else {
                t.put(p + "ffn_gate.weight", new long[] {e, ff});
                t.put(p + "ffn_up.weight", new long[] {e, ff});
            }
            t.put(p + "ffn_down.weight", new long[] {ff, e});
        }
        return t;
    }

    /**
     * Writes an F32 model: norm weights 1 + 0.3 N(0,1) (so a norm's weight matters), matrices N(0,1)/sqrt(ne0),
     * embeddings N(0,1); {@code fixed} tensors get the given values.
     */
    static Path write(String arch, Map<String, GgufValue> kv, Map<String, long[]> tensors, Map<String, double[]> fixed, long seed)
            throws IOException {
        GgufWriter w = new GgufWriter();
        w.setAll(kv);
        SplittableRandom r = new SplittableRandom(seed);
        for (var e : tensors.entrySet()) {
            long[] ne = e.getValue();
            int n = (int) (ne.length == 1 ? ne[0] : ne[0] * ne[1]);
            ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
            double[] vals = fixed == null ? null : fixed.get(e.getKey());
            for (int i = 0; i < n; i++) {
                double v;
                if (vals != null) v = vals[i];
                else if (ne.length == 1) v = 1 + 0.3 * gauss(r);
                else if (e.getKey().equals("token_embd.weight")) v = gauss(r);
                else v = gauss(r) / Math.sqrt(ne[0]);
                b.putFloat((float) v);
            }
            w.addTensor(e.getKey(), GgmlType.F32, ne, GgufWriter.TensorSource.of(b.array()));
        }
        Path out = tmp.resolve(arch + "-" + seed + ".gguf");
        w.write(out);
        return out;
    }

    static double gauss(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    static double maxDiff(double[][] a, float[][] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
        return m;
    }

    static double maxDiff(double[][] a, double[][] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
        return m;
    }

    static double maxDiff(float[][] a, float[][] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
        return m;
    }

    /** Against a reference directory's f32ref prompt logits. */
    static double maxDiff(double[][] got, Path dir) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("f32ref/logits.f32"))).order(ByteOrder.LITTLE_ENDIAN);
        int nVocab = got[0].length;
        double m = 0;
        for (int i = 0; i < got.length; i++) for (int j = 0; j < nVocab; j++) m = Math.max(m, Math.abs(got[i][j] - b.getFloat((i * nVocab + j) * 4)));
        return m;
    }
}
