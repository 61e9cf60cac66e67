package dev.quanta.loader.quantize;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.quant.QuantCodec;
import dev.quanta.kernels.quant.QuantCodecs;
import dev.quanta.loader.gguf.GgufException;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufTensorInfo;
import dev.quanta.loader.gguf.GgufValue;
import dev.quanta.loader.gguf.GgufWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Quantizes a GGUF model as {@code llama-quantize IN OUT TYPE [--pure]} does: metadata copied with
 * {@code general.quantization_version} and {@code general.file_type} set, tensors in llama.cpp's
 * order with the types {@link QuantRecipe} picks, each row encoded by the reference codec
 * ({@link QuantCodec#quantizeRowRef}, so the same floats give llama.cpp's bytes). Rows are quantized
 * in parallel, a slab at a time, and streamed to the output: memory stays bounded by the slab size.
 */
public final class Quantizer {
    /** Called as tensors are written: bytes of input processed so far, out of the total. */
    @FunctionalInterface
    public interface Progress {
        void update(long doneBytes, long totalBytes, String tensor);
    }

    /** Options of a run. {@code threads} <= 0 means all available processors. */
    public record Options(LlamaFtype ftype, boolean pure, int threads, boolean allowRequantize, Progress progress) {
        public Options(LlamaFtype ftype, boolean pure) {
            this(ftype, pure, 0, false, null);
        }
    }

    /** What a run did. */
    public record Result(List<QuantRecipe.Choice> choices, long inputBytes, long outputBytes) {}

    private static final long SLAB_BYTES = 8L << 20;
    static final int GGML_QNT_VERSION = 2;

    private Quantizer() {}

    /** The per-tensor plan for a file (no data is touched). */
    public static List<QuantRecipe.Choice> plan(GgufFile in, LlamaFtype ftype, boolean pure) {
        List<QuantRecipe.TensorRef> refs = new ArrayList<>();
        for (GgufTensorInfo t : in.tensors()) refs.add(new QuantRecipe.TensorRef(t.name(), t.ne(), t.type()));
        return QuantRecipe.plan(refs, QuantRecipe.Hparams.of(in.metadata()), ftype, pure);
    }

    /** Quantizes {@code inPath} into {@code outPath} (written atomically). */
    public static Result quantize(Path inPath, Path outPath, Options o) throws IOException {
        try (GgufFile in = GgufFile.open(inPath)) {
            List<QuantRecipe.Choice> plan = plan(in, o.ftype(), o.pure());
            // check everything before writing anything
            for (QuantRecipe.Choice c : plan) {
                if (!c.convert()) continue;
                GgmlType from = c.tensor().type();
                if (from.isQuantized() && !o.allowRequantize())
                    throw new GgufException(inPath, "tensor '" + c.tensor().name() + "' is already " + from + "; requantizing is disabled (use an F32/F16/BF16 model)");
                if (!QuantCodecs.supported(from))
                    throw new GgufException(inPath, "tensor '" + c.tensor().name() + "': cannot decode type " + from);
                if (!QuantCodecs.supported(c.newType()) || !QuantCodecs.of(c.newType()).canQuantize())
                    throw new UnsupportedOperationException("no quantizer for " + c.newType() + " yet (needed by tensor '" + c.tensor().name() + "'" + (c.fallback() ? ", a fallback type" : "") + ")");
            }
            GgufWriter w = new GgufWriter();
            w.setAll(in.metadata().asMap());
            w.set("general.quantization_version", GgufValue.ofU32(GGML_QNT_VERSION));
            w.set("general.file_type", GgufValue.ofU32(o.ftype().id));
            w.remove("split.no").remove("split.count").remove("split.tensors.count");

            long total = 0;
            for (QuantRecipe.Choice c : plan) total += in.requireTensor(c.tensor().name()).byteSize();
            int threads = o.threads() > 0 ? o.threads() : Runtime.getRuntime().availableProcessors();
            AtomicLong done = new AtomicLong();
            long totalF = total;
            ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
                Thread th = new Thread(r, "quantize");
                th.setDaemon(true);
                return th;
            });
            try {
                for (QuantRecipe.Choice c : plan) {
                    GgufTensorInfo t = in.requireTensor(c.tensor().name());
                    GgufWriter.TensorSource src = c.convert()
                            ? sink -> convert(in, t, c.newType(), pool, threads, sink)
                            : GgufWriter.TensorSource.of(in.tensorData(t));
                    w.addTensor(t.name(), c.newType(), t.ne(), sink -> {
                        src.writeTo(sink);
                        long d = done.addAndGet(t.byteSize());
                        if (o.progress() != null) o.progress().update(d, totalF, t.name());
                    });
                }
                w.write(outPath);
            } finally {
                pool.shutdownNow();
            }
            return new Result(plan, in.fileSize(), w.fileSize());
        }
    }

    /** Converts one tensor row by row, a slab of rows at a time, rows of a slab split over the threads. */
    private static void convert(GgufFile in, GgufTensorInfo t, GgmlType to, ExecutorService pool, int threads, GgufWriter.Sink sink) throws IOException {
        int n = (int) t.ne()[0];
        long rows = t.rows();
        QuantCodec dec = QuantCodecs.of(t.type()), enc = QuantCodecs.of(to);
        long outRow = to.rowBytes(n);
        MemorySegment src = in.tensorData(t);
        float[] flat = t.rowsBlockAligned() ? null : in.dequantize(t); // old flat-quantized tensors: decode whole
        long inRow = flat == null ? t.rowBytes() : 0;
        long slabRows = Math.max(1, Math.min(rows, SLAB_BYTES / Math.max(1, outRow)));
        byte[] slab = new byte[(int) (slabRows * outRow)];
        MemorySegment slabSeg = MemorySegment.ofArray(slab);
        for (long r0 = 0; r0 < rows; r0 += slabRows) {
            long nr = Math.min(slabRows, rows - r0);
            int parts = (int) Math.min(threads, nr);
            List<Future<?>> fs = new ArrayList<>(parts);
            for (int p = 0; p < parts; p++) {
                long a = r0 + nr * p / parts, b = r0 + nr * (p + 1) / parts;
                long base = r0;
                fs.add(pool.submit(() -> {
                    float[] row = new float[n];
                    for (long r = a; r < b; r++) {
                        if (flat != null) System.arraycopy(flat, (int) (r * n), row, 0, n);
                        else dec.dequantizeRow(src, r * inRow, row, 0, n);
                        enc.quantizeRowRef(row, 0, slabSeg, (r - base) * outRow, n);
                    }
                }));
            }
            for (Future<?> f : fs) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while quantizing '" + t.name() + "'", e);
                } catch (ExecutionException e) {
                    throw new IOException("quantizing tensor '" + t.name() + "' to " + to + " failed: " + e.getCause(), e.getCause());
                }
            }
            sink.write(slabSeg.asSlice(0, nr * outRow));
        }
    }
}
