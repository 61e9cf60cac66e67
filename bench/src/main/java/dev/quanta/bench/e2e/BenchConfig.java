package dev.quanta.bench.e2e;

import dev.quanta.kernels.GgmlType;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@link EndToEndBench} runs: every model × backend, then for each the prompt tests
 * ({@code nPrompt} values &gt; 0) and the generation tests ({@code nGen} values &gt; 0).
 *
 * @param models     GGUF files
 * @param nPrompt    prompt lengths (pp tests); 0 entries are skipped
 * @param nGen       generation lengths (tg tests); 0 entries are skipped
 * @param reps       measured repetitions per test (after one warm-up run)
 * @param threads    CPU threads; 0 = the backend's default
 * @param backends   backend names ("auto", "cpu", "opencl", "cuda", "reference")
 * @param nBatch     tokens per decode call while processing the prompt (llama-bench's -b)
 * @param nUbatch    tokens per forward graph (llama-bench's -ub; the runtime's micro-batch)
 * @param kvType     KV cache type
 * @param seed       seed of the random token ids
 * @param buildLabel reported as build_commit
 */
public record BenchConfig(List<Path> models, List<Integer> nPrompt, List<Integer> nGen, int reps, int threads,
                          List<String> backends, int nBatch, int nUbatch, GgmlType kvType, long seed, String buildLabel) {
    public BenchConfig {
        models = List.copyOf(models);
        nPrompt = List.copyOf(nPrompt);
        nGen = List.copyOf(nGen);
        backends = backends == null || backends.isEmpty() ? List.of("auto") : List.copyOf(backends);
        if (models.isEmpty()) throw new IllegalArgumentException("no model to benchmark");
        if (reps < 1) throw new IllegalArgumentException("repetitions must be >= 1, got " + reps);
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        if (nBatch < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + nBatch);
        if (nUbatch < 1) throw new IllegalArgumentException("micro-batch size must be >= 1, got " + nUbatch);
        for (int p : nPrompt) if (p < 0) throw new IllegalArgumentException("prompt length must be >= 0, got " + p);
        for (int g : nGen) if (g < 0) throw new IllegalArgumentException("generation length must be >= 0, got " + g);
        if (nPrompt.stream().allMatch(p -> p == 0) && nGen.stream().allMatch(g -> g == 0))
            throw new IllegalArgumentException("nothing to measure: every -p and -n value is 0");
        if (kvType == null) kvType = GgmlType.F16;
        if (buildLabel == null) buildLabel = "unknown";
    }

    /** Cells the context needs: the longest test. */
    int contextLength() {
        int m = 1;
        for (int p : nPrompt) m = Math.max(m, p);
        for (int g : nGen) m = Math.max(m, g);
        return m;
    }
}
