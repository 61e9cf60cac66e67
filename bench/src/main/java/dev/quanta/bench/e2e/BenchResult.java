package dev.quanta.bench.e2e;

import java.util.Locale;

/**
 * One test of one model on one backend (one row of llama-bench's table), with llama-bench's fields
 * and Quanta's extras: load time, time to first token, resident memory and the KV cache size.
 *
 * @param buildCommit    Quanta's version (llama-bench: the git commit)
 * @param buildNumber    0 (llama-bench: the build number)
 * @param cpuInfo        the CPU model
 * @param gpuInfo        the GPU device name when the backend runs on one, else ""
 * @param backends       "CPU", "CUDA", "OpenCL", ... (llama-bench's spelling)
 * @param modelFilename  the file as given
 * @param modelType      "llama 1B Q4_0" as llama.cpp's {@code llama_model_desc} writes it
 * @param modelSize      bytes of all tensors
 * @param modelNParams   elements of all tensors
 * @param nBatch         tokens per decode call during prompt processing
 * @param nUbatch        tokens per forward graph (micro-batch)
 * @param nThreads       CPU threads
 * @param typeK          KV cache type of K, ggml spelling ("f16")
 * @param typeV          KV cache type of V
 * @param nGpuLayers     layers on a GPU (all or none: 99 or 0)
 * @param nPrompt        prompt tokens per repetition (0 for a tg test)
 * @param nGen           generated tokens per repetition (0 for a pp test)
 * @param testTime       when the test started, RFC 3339 UTC
 * @param samplesNs      nanoseconds of each repetition
 * @param loadMs         time to load (map and place) the model, ms
 * @param ttftMs         mean time from the start of the prompt to the first token (greedy pick), ms; NaN when not measured
 * @param memory         the largest resident memory seen right after a repetition
 * @param kvCacheBytes   bytes of the KV cache of the context the test ran in
 * @param fileSize       bytes of the GGUF file
 */
public record BenchResult(String buildCommit, int buildNumber, String cpuInfo, String gpuInfo, String backends,
                          String modelFilename, String modelType, long modelSize, long modelNParams,
                          int nBatch, int nUbatch, int nThreads, String typeK, String typeV, int nGpuLayers,
                          int nPrompt, int nGen, String testTime, long[] samplesNs,
                          double loadMs, double ttftMs, ProcMemory memory, long kvCacheBytes, long fileSize) {

    /** Tokens/s of each repetition: (n_prompt + n_gen) / seconds, as llama-bench. */
    public double[] samplesTs() {
        return Stats.tokensPerSecond(samplesNs, nPrompt + nGen);
    }

    public double avgTs() { return Stats.mean(samplesTs()); }
    public double stddevTs() { return Stats.stddev(samplesTs()); }
    public long avgNs() { return Math.round(Stats.mean(Stats.toDouble(samplesNs))); }
    public long stddevNs() { return Math.round(Stats.stddev(Stats.toDouble(samplesNs))); }

    /** "pp512", "tg128" or "pp512+tg128". */
    public String testName() {
        if (nPrompt > 0 && nGen == 0) return "pp" + nPrompt;
        if (nGen > 0 && nPrompt == 0) return "tg" + nGen;
        return String.format(Locale.ROOT, "pp%d+tg%d", nPrompt, nGen);
    }
}
