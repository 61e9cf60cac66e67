package dev.quanta.bench.e2e;

import dev.quanta.backend.cpu.CpuDevice;
import dev.quanta.hwdetect.CpuInfo;
import dev.quanta.kernels.backend.DeviceKind;
import dev.quanta.runtime.Model;
import dev.quanta.runtime.ModelOptions;
import dev.quanta.runtime.Quanta;
import dev.quanta.runtime.batch.Batch;
import dev.quanta.runtime.exec.InferenceContext;
import dev.quanta.runtime.exec.Logits;
import dev.quanta.runtime.kv.KvCache;
import dev.quanta.runtime.model.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Measures prompt processing and generation speed the way llama.cpp's {@code llama-bench} does.
 *
 * <p>For each model and backend the model is loaded once and one evaluation context is made with
 * room for the longest test. Each test then runs once unmeasured (warm-up: the whole prompt for a
 * pp test, the whole generation for a tg test — llama-bench warms up with one token, which leaves a
 * JVM compiling kernels during the first measured repetition: it read 25 t/s against 31–32 for the
 * next four on the 1B Q4_0 file) and {@code reps} times measured, with the KV cache cleared before
 * each repetition:
 * <ul>
 *   <li><b>ppN</b>: N random token ids (BOS first when the vocabulary adds one), decoded in calls of
 *       {@code nBatch} tokens, which the runtime splits into micro-batches of {@code nUbatch}; only the
 *       last token of each call asks for logits.</li>
 *   <li><b>tgN</b>: N decode calls of one token each at consecutive positions, the first BOS (or
 *       random), the others random — the sampler is not part of the figure.</li>
 * </ul>
 * A sample's tokens/s is {@code (nPrompt + nGen) / seconds}; the report gives the mean and sample
 * standard deviation over the repetitions. Token ids come from {@link Random} with the configured
 * seed (llama-bench uses {@code rand()} unseeded), so runs repeat exactly.
 *
 * <p>Besides llama-bench's figures each pp test also measures the time to first token (the prompt
 * plus a greedy pick from its last logits), and every test records the resident memory
 * ({@code /proc/self/status}) right after each repetition, to compare with the file size plus the
 * KV cache.
 */
public final class EndToEndBench {
    /** Receives progress lines and each result as soon as its test ends. */
    public interface Listener {
        default void status(String message) {}

        void result(BenchResult result);
    }

    private EndToEndBench() {}

    /** Runs every test of {@code cfg}; returns the results in run order (also given to {@code listener}). */
    public static List<BenchResult> run(BenchConfig cfg, Listener listener) {
        for (Path p : cfg.models()) {
            if (!Files.exists(p)) throw new IllegalArgumentException(p + ": no such file");
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException(p + ": not a regular file");
        }
        String cpu = CpuInfo.detect().model();
        List<BenchResult> out = new ArrayList<>();
        for (Path path : cfg.models()) {
            for (String backend : cfg.backends()) {
                runModel(cfg, path, backend, cpu, r -> {
                    out.add(r);
                    listener.result(r);
                }, listener);
            }
        }
        return out;
    }

    private static void runModel(BenchConfig cfg, Path path, String backend, String cpu,
                                 java.util.function.Consumer<BenchResult> sink, Listener listener) {
        long fileSize;
        try {
            fileSize = Files.size(path);
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot read the file size: " + e.getMessage(), e);
        }
        int nCtx = cfg.contextLength();
        ModelOptions opts = ModelOptions.of(path).withBackend(backend).withMicroBatch(cfg.nUbatch())
                .withThreads(cfg.threads()).withKvCacheType(cfg.kvType()).withContextLength(nCtx).withGpuLayers(cfg.gpuLayers());
        listener.status("loading " + path + " (backend " + backend + ")");
        try (Model model = Quanta.load(opts)) {
            ModelInfo info = ModelInfo.of(model.file());
            ModelConfig mc = model.config();
            InferenceContext ctx = model.newContext(nCtx, cfg.kvType());
            long kvBytes = KvCache.bytes(cfg.kvType(), mc.nLayer(), ctx.nCtx(), mc.kvRowK(), mc.kvRowV());
            boolean onGpu = model.device().kind() != DeviceKind.CPU;
            int threads = model.device() instanceof CpuDevice cd ? cd.threads()
                    : cfg.threads() > 0 ? cfg.threads() : CpuDevice.defaultThreads();
            int bos = model.hasTokenizer() && model.tokenizer().addBos() ? model.tokenizer().bos() : -1;
            Random rng = new Random(cfg.seed());
            String kvName = cfg.kvType().name().toLowerCase(Locale.ROOT);

            List<int[]> tests = new ArrayList<>();
            for (int p : cfg.nPrompt()) if (p > 0) tests.add(new int[] {p, 0});
            for (int g : cfg.nGen()) if (g > 0) tests.add(new int[] {0, g});
            for (int[] t : tests) {
                int nPrompt = t[0], nGen = t[1];
                String name = nPrompt > 0 ? "pp" + nPrompt : "tg" + nGen;
                String testTime = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
                ctx.clear();
                listener.status(name + ": warm-up");
                if (nPrompt > 0) prompt(ctx, nPrompt, cfg.nBatch(), bos, rng);
                else generate(ctx, nGen, bos, rng);
                long[] samples = new long[cfg.reps()];
                double ttftSum = 0;
                ProcMemory mem = ProcMemory.UNKNOWN;
                for (int r = 0; r < cfg.reps(); r++) {
                    ctx.clear();
                    listener.status(String.format(Locale.ROOT, "%s: run %d/%d", name, r + 1, cfg.reps()));
                    long t0 = System.nanoTime();
                    if (nPrompt > 0) {
                        Logits last = prompt(ctx, nPrompt, cfg.nBatch(), bos, rng);
                        long t1 = System.nanoTime();
                        argmax(last.last());
                        ttftSum += (System.nanoTime() - t0) / 1e6;
                        samples[r] = t1 - t0;
                    } else {
                        generate(ctx, nGen, bos, rng);
                        samples[r] = System.nanoTime() - t0;
                    }
                    mem = mem.max(ProcMemory.now());
                }
                sink.accept(new BenchResult(cfg.buildLabel(), 0, cpu, onGpu ? model.device().name() : "",
                        backendLabel(model.backendName()), path.toString(), info.modelType(), info.sizeBytes(),
                        info.nParams(), cfg.nBatch(), cfg.nUbatch(), threads, kvName, kvName, onGpu ? 99 : 0,
                        nPrompt, nGen, testTime, samples, model.loadMillis(),
                        nPrompt > 0 ? ttftSum / cfg.reps() : Double.NaN, mem, kvBytes, fileSize));
            }
        }
    }

    /** llama-bench's {@code test_prompt}: the prompt in decode calls of {@code nBatch}; returns the last call's logits. */
    static Logits prompt(InferenceContext ctx, int nPrompt, int nBatch, int bos, Random rng) {
        int nVocab = ctx.config().nVocab();
        Logits last = null;
        for (int done = 0; done < nPrompt; ) {
            int n = Math.min(nPrompt - done, nBatch);
            Batch b = new Batch();
            for (int i = 0; i < n; i++) {
                int tok = done == 0 && i == 0 && bos >= 0 ? bos : rng.nextInt(nVocab);
                b.add(tok, done + i, 0, i == n - 1);
            }
            last = ctx.decode(b);
            done += n;
        }
        return last;
    }

    /** llama-bench's {@code test_gen}: {@code nGen} single-token decode calls at consecutive positions. */
    static void generate(InferenceContext ctx, int nGen, int bos, Random rng) {
        int nVocab = ctx.config().nVocab();
        int tok = bos >= 0 ? bos : rng.nextInt(nVocab);
        for (int i = 0; i < nGen; i++) {
            ctx.decode(new Batch().add(tok, i, 0, true));
            tok = rng.nextInt(nVocab);
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /** llama-bench's backend spelling ("CPU", "CUDA", "OpenCL"). */
    static String backendLabel(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "cpu" -> "CPU";
            case "cuda" -> "CUDA";
            case "opencl" -> "OpenCL";
            case "reference" -> "Reference";
            default -> name;
        };
    }
}
