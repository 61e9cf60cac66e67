package dev.quanta.runtime;

import dev.quanta.kernels.GgmlType;
import dev.quanta.runtime.exec.GpuLayers;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.DoubleConsumer;

/**
 * How to load a model: the file, the backend, the context size and KV cache type. Immutable; the
 * {@code with*} methods return changed copies.
 *
 * <pre>{@code
 * ModelOptions o = ModelOptions.of(Path.of("model.gguf")).withContextLength(4096).withBackend("cpu");
 * }</pre>
 *
 * @param path          the GGUF file
 * @param backend       "auto" (best probe score), or a backend name: "cpu", "opencl", "cuda", "reference"
 * @param contextLength KV cells per session; 0 = the model's training context, at most 4096
 * @param kvCacheType   F16 (default), F32 or Q8_0
 * @param microBatch    tokens per forward graph during prompt processing (default 256)
 * @param threads       CPU threads (0 = the backend's choice); passed to backends as {@code quanta.threads}
 * @param progress      receives load progress in [0, 1], may be null
 * @param gpuLayers     with a GPU backend, how many layers run on it (the rest on the CPU backend):
 *                      all (default), a count, or auto (as many as its free memory holds); ignored
 *                      with a notice when the CPU backend is chosen
 */
public record ModelOptions(Path path, String backend, int contextLength, GgmlType kvCacheType, int microBatch,
                           int threads, DoubleConsumer progress, GpuLayers gpuLayers) {
    public static final int DEFAULT_MAX_CONTEXT = 4096;

    public ModelOptions {
        Objects.requireNonNull(path, "path");
        if (backend == null || backend.isBlank()) backend = "auto";
        if (kvCacheType == null) kvCacheType = GgmlType.F16;
        if (gpuLayers == null) gpuLayers = GpuLayers.ALL;
        if (contextLength < 0) throw new IllegalArgumentException("context length must be >= 0, got " + contextLength);
        if (microBatch <= 0) throw new IllegalArgumentException("micro-batch must be positive, got " + microBatch);
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 0, got " + threads);
    }

    public ModelOptions(Path path, String backend, int contextLength, GgmlType kvCacheType, int microBatch,
                        int threads, DoubleConsumer progress) {
        this(path, backend, contextLength, kvCacheType, microBatch, threads, progress, GpuLayers.ALL);
    }

    public static ModelOptions of(Path path) {
        return new ModelOptions(path, "auto", 0, GgmlType.F16, 256, 0, null, GpuLayers.ALL);
    }

    public ModelOptions withBackend(String b) { return new ModelOptions(path, b, contextLength, kvCacheType, microBatch, threads, progress, gpuLayers); }
    public ModelOptions withContextLength(int n) { return new ModelOptions(path, backend, n, kvCacheType, microBatch, threads, progress, gpuLayers); }
    public ModelOptions withKvCacheType(GgmlType t) { return new ModelOptions(path, backend, contextLength, t, microBatch, threads, progress, gpuLayers); }
    public ModelOptions withMicroBatch(int n) { return new ModelOptions(path, backend, contextLength, kvCacheType, n, threads, progress, gpuLayers); }
    public ModelOptions withThreads(int n) { return new ModelOptions(path, backend, contextLength, kvCacheType, microBatch, n, progress, gpuLayers); }
    public ModelOptions withProgress(DoubleConsumer p) { return new ModelOptions(path, backend, contextLength, kvCacheType, microBatch, threads, p, gpuLayers); }
    public ModelOptions withGpuLayers(GpuLayers g) { return new ModelOptions(path, backend, contextLength, kvCacheType, microBatch, threads, progress, g); }
}
