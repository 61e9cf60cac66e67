package dev.quanta.loader.synth;

import dev.quanta.kernels.GgmlType;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufValue;
import dev.quanta.loader.gguf.GgufWriter;
import dev.quanta.loader.quantize.LlamaFtype;
import dev.quanta.loader.quantize.QuantRecipe;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Synthetic Llama-architecture models with seeded random weights, written as GGUF files llama.cpp
 * can load: all the hyperparameter keys it reads, {@code general.file_type}, llama.cpp's tensor
 * names, and a working tokenizer (copied from a vocabulary-only GGUF, or {@link SynthVocab}).
 *
 * <p>Matrices [k, n] hold values of standard deviation 1/sqrt(k) (so activations keep their scale
 * through each layer), norms hold ones. The per-tensor types are llama-quantize's for the chosen file
 * type ({@link QuantRecipe}): Q4_K_M gives the real Q4_K/Q6_K mix. Quantized tensors are written as
 * random blocks directly. The output depends only on the spec (seed included), not on the thread count.
 *
 * <pre>{@code
 * SynthModel.write(new SynthModel.Spec(SynthShape.TINY, LlamaFtype.MOSTLY_Q8_0, 42, null), Path.of("tiny-q8_0.gguf"));
 * }</pre>
 */
public final class SynthModel {
    /** What to generate. {@code vocabFrom}: a GGUF whose {@code tokenizer.*} keys are copied (null: the built-in vocabulary). */
    public record Spec(SynthShape shape, LlamaFtype type, long seed, Path vocabFrom, int threads) {
        public Spec(SynthShape shape, LlamaFtype type, long seed, Path vocabFrom) {
            this(shape, type, seed, vocabFrom, 0);
        }
    }

    private static final long CHUNK_BYTES = 1 << 20;

    private SynthModel() {}

    /** Generates and writes the model to {@code out} (atomically). Returns the writer that was used. */
    public static GgufWriter write(Spec spec, Path out) throws IOException {
        ExecutorService pool = pool(spec.threads());
        try {
            GgufWriter w = build(spec, pool);
            w.write(out);
            return w;
        } finally {
            pool.shutdownNow();
        }
    }

    private static ExecutorService pool(int threads) {
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        return Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "synth");
            t.setDaemon(true);
            return t;
        });
    }

    /** The metadata and tensor list of the model; tensor data is generated while the writer writes it, using {@code pool}. */
    public static GgufWriter build(Spec spec, ExecutorService pool) {
        Map<String, GgufValue> tok;
        SynthShape s = spec.shape();
        if (spec.vocabFrom() != null) {
            tok = new java.util.LinkedHashMap<>();
            try (GgufFile v = GgufFile.open(spec.vocabFrom())) {
                for (var e : v.metadata().asMap().entrySet()) if (e.getKey().startsWith("tokenizer.")) tok.put(e.getKey(), e.getValue());
                if (!tok.containsKey("tokenizer.ggml.tokens"))
                    throw new IllegalArgumentException(spec.vocabFrom() + " has no tokenizer.ggml.tokens: not a vocabulary");
                s = s.withVocab(v.metadata().getStringArray("tokenizer.ggml.tokens").length);
            }
        } else {
            tok = SynthVocab.metadata(s.nVocab());
        }
        GgufWriter w = new GgufWriter();
        String a = "llama";
        w.set("general.architecture", GgufValue.ofString(a));
        w.set("general.type", GgufValue.ofString("model"));
        w.set("general.name", GgufValue.ofString("quanta-synth " + s.name() + " " + spec.type().cliName + " seed " + spec.seed()));
        w.set(a + ".block_count", GgufValue.ofU32(s.nLayer()));
        w.set(a + ".context_length", GgufValue.ofU32(s.contextLength()));
        w.set(a + ".embedding_length", GgufValue.ofU32(s.nEmbd()));
        w.set(a + ".feed_forward_length", GgufValue.ofU32(s.nFf()));
        w.set(a + ".attention.head_count", GgufValue.ofU32(s.nHead()));
        w.set(a + ".attention.head_count_kv", GgufValue.ofU32(s.nHeadKv()));
        w.set(a + ".rope.freq_base", GgufValue.ofF32(s.ropeTheta()));
        w.set(a + ".attention.layer_norm_rms_epsilon", GgufValue.ofF32(s.rmsEps()));
        w.set(a + ".rope.dimension_count", GgufValue.ofU32(s.headDim()));
        w.set(a + ".vocab_size", GgufValue.ofU32(s.nVocab()));
        w.set("general.file_type", GgufValue.ofU32(spec.type().id));
        w.set("general.quantization_version", GgufValue.ofU32(2));
        w.setAll(tok);

        List<QuantRecipe.TensorRef> refs = tensors(s);
        QuantRecipe.Hparams hp = new QuantRecipe.Hparams(a, s.nLayer(), s.nHead(), s.nHeadKv(), 0);
        for (QuantRecipe.Choice c : QuantRecipe.plan(refs, hp, spec.type(), false)) {
            QuantRecipe.TensorRef t = c.tensor();
            boolean norm = t.ne().length == 1;
            float sigma = (float) (1 / Math.sqrt(t.ne()[0]));
            long seed = spec.seed() * 0x9E3779B97F4A7C15L + t.name().hashCode();
            w.addTensor(t.name(), c.newType(), t.ne(), norm ? ones(t.ne()[0]) : sink -> random(c.newType(), t.ne(), sigma, seed, pool, sink));
        }
        return w;
    }

    /** Llama tensors (ne[0] = input features), all nominally F32 before the recipe picks types. */
    static List<QuantRecipe.TensorRef> tensors(SynthShape s) {
        List<QuantRecipe.TensorRef> l = new ArrayList<>();
        long e = s.nEmbd(), q = (long) s.nHead() * s.headDim(), kv = (long) s.nHeadKv() * s.headDim();
        l.add(ref("token_embd.weight", e, s.nVocab()));
        l.add(ref("output_norm.weight", e));
        if (!s.tiedOutput()) l.add(ref("output.weight", e, s.nVocab()));
        for (int i = 0; i < s.nLayer(); i++) {
            String p = "blk." + i + ".";
            l.add(ref(p + "attn_norm.weight", e));
            l.add(ref(p + "attn_q.weight", e, q));
            l.add(ref(p + "attn_k.weight", e, kv));
            l.add(ref(p + "attn_v.weight", e, kv));
            l.add(ref(p + "attn_output.weight", q, e));
            l.add(ref(p + "ffn_norm.weight", e));
            l.add(ref(p + "ffn_gate.weight", e, s.nFf()));
            l.add(ref(p + "ffn_up.weight", e, s.nFf()));
            l.add(ref(p + "ffn_down.weight", s.nFf(), e));
        }
        return l;
    }

    private static QuantRecipe.TensorRef ref(String name, long... ne) {
        return new QuantRecipe.TensorRef(name, ne, GgmlType.F32);
    }

    private static GgufWriter.TensorSource ones(long n) {
        return sink -> {
            float[] f = new float[(int) n];
            java.util.Arrays.fill(f, 1f);
            MemorySegment m = MemorySegment.ofArray(new byte[4 * f.length]);
            MemorySegment.copy(f, 0, m, java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 0, f.length);
            sink.write(m);
        };
    }

    /** Random data in fixed chunks (each with its own seed), generated in parallel a slab at a time. */
    private static void random(GgmlType type, long[] ne, float sigma, long seed, ExecutorService pool, GgufWriter.Sink sink) throws IOException {
        long n = 1;
        for (long d : ne) n *= d;
        long blocks = n / type.blockSize;
        long blocksPerChunk = Math.max(1, CHUNK_BYTES / type.typeSize);
        long chunks = (blocks + blocksPerChunk - 1) / blocksPerChunk;
        int perSlab = 16;
        byte[] slab = new byte[(int) (Math.min(chunks, perSlab) * blocksPerChunk * type.typeSize)];
        MemorySegment seg = MemorySegment.ofArray(slab);
        for (long c0 = 0; c0 < chunks; c0 += perSlab) {
            long c1 = Math.min(chunks, c0 + perSlab);
            List<Future<?>> fs = new ArrayList<>();
            long base = c0;
            for (long c = c0; c < c1; c++) {
                long chunk = c;
                fs.add(pool.submit(() -> {
                    long b0 = chunk * blocksPerChunk, nb = Math.min(blocksPerChunk, blocks - b0);
                    RandomBlocks.fill(type, seg, (chunk - base) * blocksPerChunk * type.typeSize, nb, sigma, new SplittableRandom(seed + 0x632BE59BD9B4E019L * chunk));
                }));
            }
            for (Future<?> f : fs) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                } catch (ExecutionException e) {
                    throw new IOException("generating random " + type + " data failed: " + e.getCause(), e.getCause());
                }
            }
            long bytes = (Math.min(blocks, c1 * blocksPerChunk) - c0 * blocksPerChunk) * type.typeSize;
            sink.write(seg.asSlice(0, bytes));
        }
    }
}
