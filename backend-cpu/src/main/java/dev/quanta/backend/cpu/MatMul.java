package dev.quanta.backend.cpu;

import dev.quanta.kernels.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumMap;
import java.util.Map;

/**
 * MUL_MAT(W[k, n], X[k, m]) -> Y[n, m] on the thread pool, in two phases: the m activation rows
 * are prepared once (copied as F32 for the {@link Gemm} and for float weights, else quantized to
 * Q8 blocks), split over the threads; then the threads claim ranges of weight rows (on
 * {@link #ROW_GROUP} boundaries). From {@link Gemm#MIN_M} activation rows on, a range runs as the
 * float GEMM (prefill); below, each group of {@link #ROW_GROUP} rows (kept in cache) meets
 * activation tiles of four rows ({@link DotKernels#dot4}) and single rows ({@link DotKernels#dot1},
 * decode GEMV). One instance per stream; nothing is allocated per call once the scratch has grown.
 */
final class MatMul {
    static final int ROW_GROUP = 16;
    /** Below this many multiply-adds a MUL_MAT runs on the calling thread (a hand-off costs more). */
    static final long PARALLEL_MIN = 1 << 16;
    /** Parts per thread of the weight rows: small enough that a preempted thread leaves little behind. */
    static final int PARTS_PER_THREAD = 4;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final CpuThreadPool pool;
    private final Activations act = new Activations();
    private final Map<GgmlType, DotKernels> kernels = new EnumMap<>(GgmlType.class);
    private final Map<GgmlType, RowDecoder> decoders = new EnumMap<>(GgmlType.class);
    private final float[][] out4;
    /** Per thread, for {@link Gemm}: the transposed weight panel, the decoded rows, the accumulators of all m rows. */
    private final float[][] scratch;
    private final float[][] tmp;
    private final float[][] acc;
    private final CpuThreadPool.Task prepare = this::prepare;
    private final CpuThreadPool.Task multiply = this::multiply;

    // the current call
    private DotKernels kernel;
    /** Non-null when this call runs as a {@link Gemm} (enough activation rows, a decoder for the type). */
    private RowDecoder gemm;
    private MemorySegment w, x, y;
    private long wOff, wRowStride, xOff, yOff;
    private long[] xNe, xNb;
    private int n, k, m;

    MatMul(CpuThreadPool pool) {
        this.pool = pool;
        this.out4 = new float[pool.threads()][4];
        this.scratch = new float[pool.threads()][0];
        this.tmp = new float[pool.threads()][0];
        this.acc = new float[pool.threads()][0];
        for (GgmlType t : GgmlType.values()) {
            if (t.isRetired()) continue;
            DotKernels d = DotKernels.forType(t);
            if (d != null) kernels.put(t, d);
            RowDecoder r = Simd.SCALAR ? null : RowDecoder.forType(t);
            if (d != null && r != null) decoders.put(t, r);
        }
    }

    /** True when weights of {@code type} have a kernel. */
    boolean supports(GgmlType type) {
        return kernels.containsKey(type);
    }

    /**
     * Computes Y = W·X. W rows: n rows of k elements at w[wOff + i·wRowStride]; X: k × m F32 rows
     * addressed with ne/nb (rows may be strided); Y: contiguous n × m F32 at y[yOff].
     */
    void compute(GgmlType wType, MemorySegment w, long wOff, long wRowStride, int n,
                 MemorySegment x, long xOff, long[] xNe, long[] xNb, MemorySegment y, long yOff) {
        this.kernel = kernels.get(wType);
        if (kernel == null) throw new IllegalArgumentException("MUL_MAT: no CPU kernel for weights of type " + wType);
        this.w = w;
        this.wOff = wOff;
        this.wRowStride = wRowStride;
        this.n = n;
        this.k = (int) xNe[0];
        this.m = (int) (xNe[1] * xNe[2] * xNe[3]);
        this.x = x;
        this.xOff = xOff;
        this.xNe = xNe;
        this.xNb = xNb;
        this.y = y;
        this.yOff = yOff;
        this.gemm = Gemm.handles(m) ? decoders.get(wType) : null;
        if (gemm != null) {
            act.ensureF32(k, m);
            long need = (long) Gemm.PANEL * k;
            if (need > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("MUL_MAT: rows of " + k + " elements are too long");
            for (int t = 0; t < scratch.length; t++) {
                if (scratch[t].length < need) scratch[t] = new float[(int) need];
                if (tmp[t].length < need) tmp[t] = new float[(int) need];
                if (acc[t].length < (long) m * Gemm.PANEL) acc[t] = new float[m * Gemm.PANEL];
            }
        } else if (kernel.superBlockActivations()) act.ensureQ8K(k, m);
        else if (kernel.quantizedActivations()) act.ensureQ8(k, m);
        else act.ensureF32(k, m);
        if ((long) k * m >= 1 << 14) pool.run(prepare, Math.min(m, pool.threads()));
        else prepare(0, 1, 0);
        long work = (long) n * k * m;
        if (work < PARALLEL_MIN) multiply(0, 1, 0);
        else pool.run(multiply, Math.max(1, Math.min(n / ROW_GROUP, pool.threads() * PARTS_PER_THREAD)));
        this.w = this.x = this.y = null;
        this.gemm = null;
    }

    static long rowOffset(long r, long[] ne, long[] nb) {
        long i1 = r % ne[1], i23 = r / ne[1];
        return i1 * nb[1] + (i23 % ne[2]) * nb[2] + (i23 / ne[2]) * nb[3];
    }

    private void prepare(int part, int parts, int tid) {
        int j0 = CpuThreadPool.start(m, part, parts), j1 = CpuThreadPool.start(m, part + 1, parts);
        boolean f = gemm != null, q = !f && kernel.quantizedActivations(), sb = !f && kernel.superBlockActivations();
        for (int j = j0; j < j1; j++) {
            long off = xOff + rowOffset(j, xNe, xNb);
            if (sb) act.quantizeRowQ8K(x, off, j);
            else if (q) act.quantizeRowQ8(x, off, j);
            else act.copyRowF32(x, off, j);
        }
    }

    /**
     * Decode GEMV pairing two weight rows per activation load (kernels with dot1x2). Off by default:
     * measured end to end on the synthetic 1B files it was 3.2x slower for Q8_0 (1 thread, tg32 4.4 vs
     * 14.1 t/s) and 1.5x slower for Q4_0 (2 threads, 8.8 vs 13.1 t/s) than one row per dot, although
     * a kernel microbenchmark favoured it. -Dquanta.cpu.pairRows=true turns it on.
     */
    static final boolean PAIR_ROWS = "true".equals(System.getProperty("quanta.cpu.pairRows"));

    private void multiply(int part, int parts, int tid) {
        // parts split the rows on ROW_GROUP boundaries
        int groups = (n + ROW_GROUP - 1) / ROW_GROUP;
        int i0 = Math.min(n, CpuThreadPool.start(groups, part, parts) * ROW_GROUP);
        int i1 = Math.min(n, CpuThreadPool.start(groups, part + 1, parts) * ROW_GROUP);
        if (gemm != null) {
            Gemm.rows(gemm, w, wOff, wRowStride, n, k, m, act.xa, y, yOff, i0, i1, scratch[tid], tmp[tid], acc[tid]);
            return;
        }
        float[] o = out4[tid];
        DotKernels kern = kernel;
        boolean pairs = PAIR_ROWS && kern.pairsRows();
        MemorySegment w = this.w, y = this.y;
        for (int g = i0; g < i1; g += ROW_GROUP) {
            int gEnd = Math.min(i1, g + ROW_GROUP);
            int j = 0;
            for (; j + 4 <= m; j += 4) {
                for (int i = g; i < gEnd; i++) {
                    kern.dot4(w, wOff + i * wRowStride, act, j, o);
                    long p = yOff + ((long) j * n + i) * 4;
                    long stride = (long) n * 4;
                    y.set(F32, p, o[0]);
                    y.set(F32, p + stride, o[1]);
                    y.set(F32, p + 2 * stride, o[2]);
                    y.set(F32, p + 3 * stride, o[3]);
                }
            }
            for (; j < m; j++) {
                long p = yOff + (long) j * n * 4;
                int i = g;
                if (pairs) for (; i + 1 < gEnd; i += 2) { // decode GEMV: two weight rows per activation load
                    kern.dot1x2(w, wOff + i * wRowStride, wOff + (i + 1) * wRowStride, act, j, o);
                    y.set(F32, p + i * 4L, o[0]);
                    y.set(F32, p + (i + 1) * 4L, o[1]);
                }
                for (; i < gEnd; i++) y.set(F32, p + i * 4L, kern.dot1(w, wOff + i * wRowStride, act, j));
            }
        }
    }
}
