package dev.quanta.backend.cpu;

import static dev.quanta.backend.cpu.Simd.F;
import static dev.quanta.backend.cpu.Simd.FL;
import static dev.quanta.backend.cpu.Simd.I;
import static dev.quanta.backend.cpu.Simd.SF;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Fused causal attention with GQA over an F32, F16 or Q8_0 KV cache, without a score matrix.
 *
 * <p>One work item is a tile of query rows that read the same KV head: the {@code group} heads
 * that share it (GQA) times up to {@link #TILE_ROWS}{@code / group} consecutive tokens (prefill).
 * The tile walks the cells in chunks of {@link #CHUNK}: each chunk's K rows are decoded once to
 * floats, transposed ([headDim][chunk]), so that the scores of one query row against the whole
 * chunk are {@code headDim} vector multiply-adds across cells; the chunk's softmax weights update
 * each row's running max and sum (online softmax, the accumulator rescaled when the max grows);
 * the V rows are decoded once, transposed likewise, and each output element is a vector dot of
 * the weights with a V column. So every K/V byte is read and decoded once per tile, not once per
 * query row, and the inner loops are vector loops over cells for any head size (stories260K has
 * 8). A chunk whose cells are all masked (-inf) for every row of the tile is skipped (the causal
 * future in prefill).
 */
final class Attention {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort S16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;

    /** Cells per chunk: a multiple of every float vector length (4, 8, 16). */
    static final int CHUNK = 64;
    /**
     * Most query rows in one tile (GQA group × tokens): each chunk's K/V rows are decoded once per
     * tile, so more rows amortize the decode; 32 against 8 took prefill attention of the 1B model
     * from 3.9 to 2.1 s over four pp512 runs (pp512 134 -> 156 t/s).
     */
    static final int TILE_ROWS = 32;
    /**
     * Up to this many cells the simple per-(token, head) pass runs instead of the tiled one.
     * Both are correct; the short one is slower per cell but its code is small and scalar for
     * small heads, so it runs fast before C2 has compiled it. The tiled code is Vector API code:
     * in the interpreter and C1 every vector op is a boxed object and a per-lane loop, and a cold
     * JVM spent seconds in it (a stories260K {@code -n 200} run took 4× longer); at short contexts
     * the tiled pass gains little anyway.
     */
    static final int SHORT_MAX_KV = 1024;
    /**
     * From this many (token, cell) pairs on, the tiled pass runs even below {@link #SHORT_MAX_KV}
     * cells: a prefill micro-batch has hundreds of tokens, and the short pass (one exp and two
     * 64-element dots per cell and head) took a third of pp512 on the 1B model.
     */
    static final long TILED_MIN_PAIRS = 1 << 14;

    /** Below this many multiply-adds (q·k and p·v over all rows) attention runs on the calling thread. */
    private static final long PARALLEL_MIN = 1 << 15;

    private final CpuStream stream;
    private final CpuThreadPool pool;
    private final Scratch[] scratch;
    private final CpuThreadPool.Task task = this::run;
    private final CpuThreadPool.Task shortTask = this::runShort;
    private final CpuThreadPool.Task groupedTask = this::runShortGrouped;
    private final Activations[] qPrep;
    private final float[][] acc;
    private final Map<GgmlType, DotKernels> kernels = new EnumMap<>(GgmlType.class);
    /** F16/F32 K and V rows to floats for the grouped short pass. */
    private final Map<GgmlType, RowDecoder> decoders = new EnumMap<>(GgmlType.class);
    private DotKernels kDot;
    /** This instance's {@link #SHORT_MAX_KV} (tests set it to pick a path). */
    int shortMaxKv = SHORT_MAX_KV;

    private Tensor q, k, v, mask;
    private MemorySegment qs, ks, vs, ms, os;
    private long qo, ko, vo, mo, oo;
    private OpParams.Attention p;
    private int nTok, nKv, tileTok, nTiles;

    /** Per-thread buffers, grown on demand and kept. */
    private static final class Scratch {
        float[] kT = new float[0], vT = new float[0], sc = new float[0], mk = new float[0], qf = new float[0], o = new float[0];
        float[] max = new float[TILE_ROWS], sum = new float[TILE_ROWS];
        boolean[] live = new boolean[TILE_ROWS], vis = new boolean[CHUNK];
        private float[] rf = new float[0];
        private short[] rs = new short[0];
        private byte[] rb = new byte[0];

        float[] rawF(int n) { return rf.length >= n ? rf : (rf = new float[n]); }
        short[] rawS(int n) { return rs.length >= n ? rs : (rs = new short[n]); }
        byte[] rawB(int n) { return rb.length >= n ? rb : (rb = new byte[n]); }
        private float[] wf = new float[0];
        private final int[] idx = new int[CHUNK];
        private int idxStride = -1;

        float[] wide(int n) { return wf.length >= n ? wf : (wf = new float[n]); }

        // the grouped short pass: scores of a GQA group over all cells, one decoded K and V row
        float[] gs = new float[0], kd = new float[0], vd = new float[0];

        /** idx[j] = j * rowElems: the gather map over a chunk's cells. */
        int[] index(int rowElems) {
            if (idxStride != rowElems) {
                for (int j = 0; j < CHUNK; j++) idx[j] = j * rowElems;
                idxStride = rowElems;
            }
            return idx;
        }

        void ensure(int hd, int hdv, int rows) {
            if (kT.length < hd * CHUNK) kT = new float[hd * CHUNK];
            if (vT.length < hdv * CHUNK) vT = new float[hdv * CHUNK];
            if (sc.length < rows * CHUNK) {
                sc = new float[rows * CHUNK];
                mk = new float[rows * CHUNK];
            }
            if (qf.length < rows * hd) qf = new float[rows * hd];
            if (o.length < rows * hdv) o = new float[rows * hdv];
            if (max.length < rows) {
                max = new float[rows];
                sum = new float[rows];
                live = new boolean[rows];
            }
        }
    }

    Attention(CpuStream stream, CpuThreadPool pool) {
        this.stream = stream;
        this.pool = pool;
        scratch = new Scratch[pool.threads()];
        for (int i = 0; i < scratch.length; i++) scratch[i] = new Scratch();
        qPrep = new Activations[pool.threads()];
        acc = new float[pool.threads()][0];
        for (int i = 0; i < qPrep.length; i++) qPrep[i] = new Activations();
        for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.Q8_0}) kernels.put(t, DotKernels.forType(t));
        if (!Simd.SCALAR) for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16}) decoders.put(t, RowDecoder.forType(t));
    }

    static boolean supports(Tensor t) {
        GgmlType kt = t.src(1).type(), vt = t.src(2).type();
        OpParams.Attention p = (OpParams.Attention) t.params();
        boolean kOk = kt == GgmlType.F32 || kt == GgmlType.F16 || (kt == GgmlType.Q8_0 && p.headDim() % 32 == 0);
        boolean vOk = vt == GgmlType.F32 || vt == GgmlType.F16 || (vt == GgmlType.Q8_0 && p.headDimV() % 32 == 0);
        return kOk && vOk && t.src(3) != null;
    }

    void compute(Tensor node) {
        q = node.src(0);
        k = node.src(1);
        v = node.src(2);
        mask = node.src(3);
        p = (OpParams.Attention) node.params();
        if (!supports(node)) throw new IllegalArgumentException("ATTENTION: unsupported K/V types " + k.type() + "/" + v.type());
        qs = stream.seg(q);
        qo = stream.off(q);
        ks = stream.seg(k);
        ko = stream.off(k);
        vs = stream.seg(v);
        vo = stream.off(v);
        ms = stream.seg(mask);
        mo = stream.off(mask);
        os = stream.seg(node);
        oo = stream.off(node);
        nTok = (int) q.ne(2);
        nKv = (int) k.ne(1);
        if (nKv <= shortMaxKv && (long) nTok * nKv < TILED_MIN_PAIRS) {
            kDot = kernels.get(k.type());
            int items = nTok * p.nHead();
            long work = (long) items * nKv * (p.headDim() + p.headDimV());
            boolean grouped = !Simd.SCALAR && isFloat(k.type()) && isFloat(v.type());
            if (grouped) {
                int gItems = nTok * p.nKvHead();
                if (gItems > 1 && work >= PARALLEL_MIN) pool.run(groupedTask, Math.min(gItems, pool.threads() * 4));
                else runShortGrouped(0, 1, 0);
            } else if (items > 1 && work >= PARALLEL_MIN) pool.run(shortTask, Math.min(items, pool.threads() * 4));
            else runShort(0, 1, 0);
            qs = ks = vs = ms = os = null;
            return;
        }
        int group = p.nHead() / p.nKvHead();
        tileTok = Math.max(1, Math.min(nTok, TILE_ROWS / group));
        nTiles = (nTok + tileTok - 1) / tileTok;
        int items = nTiles * p.nKvHead();
        long work = (long) nTok * p.nHead() * nKv * (p.headDim() + p.headDimV());
        if (items > 1 && work >= PARALLEL_MIN) pool.run(task, Math.min(items, pool.threads() * 4));
        else run(0, 1, 0);
        qs = ks = vs = ms = os = null;
    }

    private void run(int part, int parts, int ith) {
        int items = nTiles * p.nKvHead();
        int i0 = CpuThreadPool.start(items, part, parts), i1 = CpuThreadPool.start(items, part + 1, parts);
        for (int it = i0; it < i1; it++) tile(it / p.nKvHead(), it % p.nKvHead(), scratch[ith]);
    }

    private static boolean isFloat(GgmlType t) {
        return t == GgmlType.F16 || t == GgmlType.F32;
    }

    /**
     * The short pass for F16/F32 caches, one (token, KV head) per item: each K and V row is decoded
     * once for the GQA group's query heads (the per-head pass, still used for Q8_0 caches, decoded
     * it once per head), scores of all cells first, then one softmax per head, then the V rows
     * weighted. 1B Q8_0 decode, F16 cache: 119 → 69 µs per attention call.
     */
    private void runShortGrouped(int part, int parts, int ith) {
        int items = nTok * p.nKvHead();
        int i0 = CpuThreadPool.start(items, part, parts), i1 = CpuThreadPool.start(items, part + 1, parts);
        int hd = p.headDim(), hdv = p.headDimV(), group = p.nHead() / p.nKvHead();
        Scratch sc = scratch[ith];
        if (sc.qf.length < group * hd) sc.qf = new float[group * hd];
        if (sc.o.length < group * hdv) sc.o = new float[group * hdv];
        if (sc.gs.length < group * nKv) sc.gs = new float[group * nKv];
        if (sc.kd.length < hd) sc.kd = new float[hd];
        if (sc.vd.length < hdv) sc.vd = new float[hdv];
        float[] qf = sc.qf, o = sc.o, gs = sc.gs, kd = sc.kd, vd = sc.vd;
        float scale = p.scale(), cap = p.softcap();
        long kRow = k.nb(1), vRow = v.nb(1);
        GgmlType kt = k.type(), vt = v.type();
        long kHead = kt.rowBytes(hd), vHead = vt.rowBytes(hdv);
        RowDecoder kDec = decoders.get(kt), vDec = decoders.get(vt);
        for (int it = i0; it < i1; it++) {
            int t = it / p.nKvHead(), kvh = it % p.nKvHead();
            for (int g = 0; g < group; g++)
                MemorySegment.copy(qs, F32, qo + (kvh * group + g) * q.nb(1) + (long) t * q.nb(2), qf, g * hd, hd);
            long mRow = mo + (long) t * mask.nb(1);
            // scores
            for (int j = 0; j < nKv; j++) {
                float mv = ms.get(F32, mRow + 4L * j);
                if (mv == Float.NEGATIVE_INFINITY) {
                    for (int g = 0; g < group; g++) gs[g * nKv + j] = Float.NEGATIVE_INFINITY;
                    continue;
                }
                kDec.decode(ks, ko + j * kRow + kvh * kHead, hd, kd, 0);
                for (int g = 0; g < group; g++) {
                    float s = DotKernels.DequantRow.dot(kd, qf, g * hd, hd) * scale;
                    if (cap != 0f) s = cap * (float) Math.tanh(s / cap);
                    gs[g * nKv + j] = s + mv;
                }
            }
            // softmax numerators per head
            java.util.Arrays.fill(o, 0, group * hdv, 0f);
            for (int g = 0; g < group; g++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < nKv; j++) max = Math.max(max, gs[g * nKv + j]);
                float sum = 0;
                for (int j = 0; j < nKv; j++) {
                    float x = gs[g * nKv + j];
                    float w = x == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(x - max);
                    gs[g * nKv + j] = w;
                    sum += w;
                }
                float inv = sum > 0 ? 1f / sum : 0f;
                for (int j = 0; j < nKv; j++) gs[g * nKv + j] *= inv;
            }
            // weighted V rows
            for (int j = 0; j < nKv; j++) {
                if (ms.get(F32, mRow + 4L * j) == Float.NEGATIVE_INFINITY) continue;
                vDec.decode(vs, vo + j * vRow + kvh * vHead, hdv, vd, 0);
                for (int g = 0; g < group; g++) {
                    float w = gs[g * nKv + j];
                    if (w != 0f) axpyF(w, vd, o, g * hdv, hdv);
                }
            }
            for (int g = 0; g < group; g++) {
                long out = oo + ((long) t * p.nHead() + kvh * group + g) * hdv * 4L;
                MemorySegment.copy(o, g * hdv, os, F32, out, hdv);
            }
        }
    }

    /** o[oo..oo+n) += w · x[0..n). */
    private static void axpyF(float w, float[] x, float[] o, int oo, int n) {
        int i = 0;
        FloatVector wv = FloatVector.broadcast(F, w);
        for (; i <= n - FL; i += FL) FloatVector.fromArray(F, x, i).fma(wv, FloatVector.fromArray(F, o, oo + i)).intoArray(o, oo + i);
        for (; i < n; i++) o[oo + i] += w * x[i];
    }

    /** The short pass: one (token, head) per item, online softmax cell by cell (masked cells skipped). */
    private void runShort(int part, int parts, int ith) {
        int items = nTok * p.nHead();
        int i0 = CpuThreadPool.start(items, part, parts), i1 = CpuThreadPool.start(items, part + 1, parts);
        int hd = p.headDim(), hdv = p.headDimV(), group = p.nHead() / p.nKvHead();
        Activations qa = qPrep[ith];
        if (acc[ith].length < hdv) acc[ith] = new float[hdv];
        float[] o = acc[ith];
        boolean qQuant = kDot.quantizedActivations();
        float scale = p.scale(), cap = p.softcap();
        long kRow = k.nb(1), vRow = v.nb(1);
        long kHead = k.type().rowBytes(hd), vHead = v.type().rowBytes(hdv);
        GgmlType vt = v.type();
        for (int it = i0; it < i1; it++) {
            int t = it / p.nHead(), h = it % p.nHead(), kvh = h / group;
            long qOff = qo + h * q.nb(1) + (long) t * q.nb(2);
            if (qQuant) {
                qa.ensureQ8(hd, 1);
                qa.quantizeRowQ8(qs, qOff, 0);
            } else {
                qa.ensureF32(hd, 1);
                qa.copyRowF32(qs, qOff, 0);
            }
            java.util.Arrays.fill(o, 0, hdv, 0f);
            float max = Float.NEGATIVE_INFINITY, sum = 0;
            long mRow = mo + (long) t * mask.nb(1);
            for (int j = 0; j < nKv; j++) {
                float mv = ms.get(F32, mRow + 4L * j);
                if (mv == Float.NEGATIVE_INFINITY) continue;
                float s = kDot.dot1(ks, ko + j * kRow + kvh * kHead, qa, 0) * scale;
                if (cap != 0f) s = cap * (float) Math.tanh(s / cap);
                s += mv;
                float w;
                if (s > max) {
                    float corr = max == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(max - s);
                    if (corr != 1f) {
                        for (int i = 0; i < hdv; i++) o[i] *= corr;
                        sum *= corr;
                    }
                    max = s;
                    w = 1f;
                } else {
                    w = (float) Math.exp(s - max);
                }
                sum += w;
                axpy(vt, vs, vo + j * vRow + kvh * vHead, w, o, hdv);
            }
            long out = oo + ((long) t * p.nHead() + h) * hdv * 4L;
            float inv = sum > 0 ? 1f / sum : 0f;
            for (int i = 0; i < hdv; i++) os.set(F32, out + 4L * i, o[i] * inv);
        }
    }

    /** o[0..n) += w * row, row in type vt at s[off..]. */
    static void axpy(GgmlType vt, MemorySegment s, long off, float w, float[] o, int n) {
        int i = 0;
        switch (vt) {
            case F32 -> {
                if (!Simd.SCALAR) {
                    FloatVector wv = FloatVector.broadcast(F, w);
                    for (; i <= n - FL; i += FL)
                        FloatVector.fromMemorySegment(F, s, off + 4L * i, ByteOrder.LITTLE_ENDIAN).fma(wv, FloatVector.fromArray(F, o, i)).intoArray(o, i);
                }
                for (; i < n; i++) o[i] += w * s.get(F32, off + 4L * i);
            }
            case F16 -> {
                if (!Simd.SCALAR) {
                    FloatVector wv = FloatVector.broadcast(F, w);
                    for (; i <= n - FL; i += FL) {
                        IntVector h = (IntVector) ShortVector.fromMemorySegment(SF, s, off + 2L * i, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.S2I, I, 0);
                        DotKernels.halfToFloat(h).fma(wv, FloatVector.fromArray(F, o, i)).intoArray(o, i);
                    }
                }
                for (; i < n; i++) o[i] += w * Float.float16ToFloat(s.get(S16, off + 2L * i));
            }
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long pb = off + 34L * b;
                    float d = w * Float.float16ToFloat(s.get(S16, pb));
                    for (int e = 0; e < 32; e++) o[b * 32 + e] += d * s.get(ValueLayout.JAVA_BYTE, pb + 2 + e);
                }
            }
            default -> throw new IllegalArgumentException("ATTENTION: V of type " + vt);
        }
    }

    /** Rows of one tile: row r = (token t0 + r / group, head kvh * group + r % group). */
    private void tile(int tileIdx, int kvh, Scratch sx) {
        int hd = p.headDim(), hdv = p.headDimV(), group = p.nHead() / p.nKvHead();
        int t0 = tileIdx * tileTok, nt = Math.min(tileTok, nTok - t0), rows = nt * group;
        sx.ensure(hd, hdv, rows);
        float[] kT = sx.kT, vT = sx.vT, sc = sx.sc, mk = sx.mk, qf = sx.qf, o = sx.o, max = sx.max, sum = sx.sum;
        boolean[] live = sx.live, vis = sx.vis;
        float scale = p.scale(), cap = p.softcap();
        GgmlType kt = k.type(), vt = v.type();
        long kRow = k.nb(1), vRow = v.nb(1), kHead = kt.rowBytes(hd), vHead = vt.rowBytes(hdv);
        long q1 = q.nb(1), q2 = q.nb(2), m1 = mask.nb(1);
        for (int r = 0; r < rows; r++) {
            long qOff = qo + (long) (kvh * group + r % group) * q1 + (long) (t0 + r / group) * q2;
            for (int d = 0; d < hd; d++) qf[r * hd + d] = qs.get(F32, qOff + 4L * d);
        }
        Arrays.fill(o, 0, rows * hdv, 0f);
        Arrays.fill(max, 0, rows, Float.NEGATIVE_INFINITY);
        Arrays.fill(sum, 0, rows, 0f);
        for (int j0 = 0; j0 < nKv; j0 += CHUNK) {
            int nc = Math.min(CHUNK, nKv - j0);
            // which rows see any cell of the chunk, and which cells any row sees
            boolean any = false;
            Arrays.fill(vis, false);
            for (int r = 0; r < rows; r++) {
                int mOff = r * CHUNK;
                if (r % group == 0) MemorySegment.copy(ms, F32, mo + (long) (t0 + r / group) * m1 + 4L * j0, mk, mOff, nc);
                else System.arraycopy(mk, (r - r % group) * CHUNK, mk, mOff, nc);
                if (nc < CHUNK) Arrays.fill(mk, mOff + nc, mOff + CHUNK, Float.NEGATIVE_INFINITY);
                boolean l = false;
                for (int j = 0; j < nc; j++) {
                    boolean sees = mk[mOff + j] != Float.NEGATIVE_INFINITY;
                    vis[j] |= sees;
                    l |= sees;
                }
                live[r] = l;
                any |= l;
            }
            if (!any) continue;
            decodeT(kt, ks, ko + j0 * kRow + kvh * kHead, kRow, hd, nc, vis, kT, sx);
            for (int r = 0; r < rows; r++) {
                if (!live[r]) continue;
                int sOff = r * CHUNK;
                scores(qf, r * hd, hd, kT, sc, sOff);
                float cmax = logits(sc, mk, sOff, scale, cap);
                if (cmax == Float.NEGATIVE_INFINITY) { // no visible cell after all
                    live[r] = false;
                    continue;
                }
                if (cmax > max[r]) {
                    if (max[r] != Float.NEGATIVE_INFINITY) {
                        float corr = (float) Math.exp(max[r] - cmax);
                        for (int e = 0; e < hdv; e++) o[r * hdv + e] *= corr;
                        sum[r] *= corr;
                    }
                    max[r] = cmax;
                }
                sum[r] += weights(sc, sOff, max[r]);
            }
            decodeT(vt, vs, vo + j0 * vRow + kvh * vHead, vRow, hdv, nc, vis, vT, sx);
            for (int r = 0; r < rows; r++) if (live[r]) accumulate(sc, r * CHUNK, vT, hdv, o, r * hdv);
        }
        for (int r = 0; r < rows; r++) {
            int t = t0 + r / group, h = kvh * group + r % group;
            long out = oo + ((long) t * p.nHead() + h) * hdv * 4L;
            float inv = sum[r] > 0 ? 1f / sum[r] : 0f;
            for (int e = 0; e < hdv; e++) os.set(F32, out + 4L * e, o[r * hdv + e] * inv);
        }
    }

    /**
     * Decodes {@code nc} rows of {@code n} elements (row j at {@code off + j * stride}) into
     * {@code dst[e * CHUNK + j]}; cells nc..CHUNK are zero. Each row's bytes are first copied
     * into a heap array in one bulk copy ({@code raw}/{@code rawS}), so the element loop is plain
     * array code, not a segment access per element.
     */
    static void decodeT(GgmlType type, MemorySegment s, long off, long stride, int n, int nc, boolean[] vis, float[] dst, Scratch sx) {
        int es = type == GgmlType.F32 ? 4 : type == GgmlType.F16 ? 2 : 0;
        if (!Simd.SCALAR && es > 0 && stride % es == 0 && stride <= 4L * n * es && nc >= FL) {
            gatherT(type == GgmlType.F16, s, off, (int) (stride / es), n, nc, vis, dst, sx);
            return;
        }
        if (!Simd.SCALAR && type == GgmlType.Q8_0 && nc >= FL) {
            q8T(s, off, stride, n, nc, vis, dst, sx);
            return;
        }
        switch (type) {
            case F32 -> {
                float[] raw = sx.rawF(n);
                for (int j = 0; j < nc; j++) {
                    if (!vis[j]) { zero(dst, n, j); continue; }
                    MemorySegment.copy(s, F32, off + j * stride, raw, 0, n);
                    for (int e = 0; e < n; e++) dst[e * CHUNK + j] = raw[e];
                }
            }
            case F16 -> {
                short[] raw = sx.rawS(n);
                for (int j = 0; j < nc; j++) {
                    if (!vis[j]) { zero(dst, n, j); continue; }
                    MemorySegment.copy(s, S16, off + j * stride, raw, 0, n);
                    for (int e = 0; e < n; e++) dst[e * CHUNK + j] = Float.float16ToFloat(raw[e]);
                }
            }
            case Q8_0 -> {
                int nb = n / 32;
                byte[] raw = sx.rawB(34 * nb);
                for (int j = 0; j < nc; j++) {
                    if (!vis[j]) { zero(dst, n, j); continue; }
                    MemorySegment.copy(s, I8, off + j * stride, raw, 0, 34 * nb);
                    for (int b = 0; b < nb; b++) {
                        int pb = 34 * b;
                        float d = Float.float16ToFloat((short) ((raw[pb] & 0xff) | (raw[pb + 1] << 8)));
                        int base = b * 32;
                        for (int e = 0; e < 32; e++) dst[(base + e) * CHUNK + j] = d * raw[pb + 2 + e];
                    }
                }
            }
            default -> throw new IllegalArgumentException("ATTENTION: K/V of type " + type);
        }
        if (nc < CHUNK) for (int e = 0; e < n; e++) Arrays.fill(dst, e * CHUNK + nc, e * CHUNK + CHUNK, 0f);
    }

    /**
     * decodeT for small F32/F16 rows close together (a head of a few elements, as in tiny models):
     * the chunk's whole byte span is copied in one bulk copy and widened to floats with vector
     * code (other heads' elements included: at most 4× the needed bytes), then each element's
     * column is gathered across cells with vector gathers.
     */
    private static void gatherT(boolean f16, MemorySegment s, long off, int rowElems, int n, int nc, boolean[] vis, float[] dst, Scratch sx) {
        int span = (nc - 1) * rowElems + n;
        float[] wide = sx.wide(span);
        if (f16) {
            short[] raw = sx.rawS(span);
            MemorySegment.copy(s, S16, off, raw, 0, span);
            int i = 0;
            for (; i <= span - FL; i += FL)
                DotKernels.halfToFloat((IntVector) ShortVector.fromArray(Simd.SF, raw, i).convertShape(VectorOperators.S2I, Simd.I, 0)).intoArray(wide, i);
            for (; i < span; i++) wide[i] = Float.float16ToFloat(raw[i]);
        } else {
            MemorySegment.copy(s, F32, off, wide, 0, span);
        }
        transpose(wide, rowElems, n, nc, vis, dst, sx);
    }

    /**
     * decodeT for Q8_0 rows: each visible cell's blocks are widened with vector code
     * (int8 → float, times the block scale) into a row-major buffer, then transposed by gathers.
     */
    private static void q8T(MemorySegment s, long off, long stride, int n, int nc, boolean[] vis, float[] dst, Scratch sx) {
        int nb = n / 32;
        float[] wide = sx.wide(nc * n);
        byte[] raw = sx.rawB(34 * nb + 8); // +8: the last 8-byte load of a 128-bit pass may run past the row
        for (int j = 0; j < nc; j++) {
            if (!vis[j]) continue; // zeroed by transpose
            MemorySegment.copy(s, I8, off + j * stride, raw, 0, 34 * nb);
            for (int b = 0; b < nb; b++) {
                int pb = 34 * b;
                float d = Float.float16ToFloat((short) ((raw[pb] & 0xff) | (raw[pb + 1] << 8)));
                int wb = j * n + b * 32;
                for (int e = 0; e < 32; e += FL)
                    ((FloatVector) ByteVector.fromArray(BYTES, raw, pb + 2 + e).convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(wide, wb + e);
            }
        }
        transpose(wide, n, n, nc, vis, dst, sx);
    }

    /** Byte lanes loaded per float vector's worth of int8 quants (at least FL). */
    private static final VectorSpecies<Byte> BYTES = FL >= 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;

    /** dst[e * CHUNK + j] = wide[j * rowElems + e] for e &lt; n, j &lt; nc; zero elsewhere and for cells no row sees. */
    private static void transpose(float[] wide, int rowElems, int n, int nc, boolean[] vis, float[] dst, Scratch sx) {
        int[] idx = sx.index(rowElems);
        int full = nc - nc % FL;
        for (int e = 0; e < n; e++) {
            int db = e * CHUNK;
            for (int j = 0; j < full; j += FL) FloatVector.fromArray(F, wide, e, idx, j).intoArray(dst, db + j);
            for (int j = full; j < nc; j++) dst[db + j] = wide[j * rowElems + e];
            for (int j = nc; j < CHUNK; j++) dst[db + j] = 0f;
        }
        for (int j = 0; j < nc; j++) if (!vis[j]) zero(dst, n, j);
    }

    /** Column j of a transposed chunk set to zero: a cell no row sees is never read (its bytes may be anything). */
    private static void zero(float[] dst, int n, int j) {
        for (int e = 0; e < n; e++) dst[e * CHUNK + j] = 0f;
    }

    /**
     * Turns raw dots into logits in place: {@code s · scale}, soft-capped ({@code cap · tanh(s / cap)})
     * when cap ≠ 0, plus the mask; -inf where the mask is -inf. Returns the chunk's max.
     */
    static float logits(float[] sc, float[] mk, int off, float scale, float cap) {
        if (Simd.SCALAR) {
            float cmax = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < CHUNK; j++) {
                float mv = mk[off + j], s;
                if (mv == Float.NEGATIVE_INFINITY) s = Float.NEGATIVE_INFINITY;
                else {
                    s = sc[off + j] * scale;
                    if (cap != 0f) s = cap * (float) Math.tanh(s / cap);
                    s += mv;
                }
                sc[off + j] = s;
                if (s > cmax) cmax = s;
            }
            return cmax;
        }
        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < CHUNK; j += FL) {
            FloatVector s = FloatVector.fromArray(F, sc, off + j).mul(scale);
            if (cap != 0f) s = VectorMath.tanh(s.mul(1f / cap)).mul(cap);
            FloatVector m = FloatVector.fromArray(F, mk, off + j);
            s = s.add(m).blend(m, m.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
            s.intoArray(sc, off + j);
            vmax = vmax.max(s);
        }
        return vmax.reduceLanes(VectorOperators.MAX);
    }

    /** Softmax numerators in place: {@code exp(s - max)} (0 for -inf); returns their sum. */
    static float weights(float[] sc, int off, float max) {
        if (Simd.SCALAR) {
            float sum = 0;
            for (int j = 0; j < CHUNK; j++) {
                float x = sc[off + j];
                float w = x == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(x - max);
                sc[off + j] = w;
                sum += w;
            }
            return sum;
        }
        FloatVector vs = FloatVector.zero(F);
        for (int j = 0; j < CHUNK; j += FL) {
            FloatVector w = VectorMath.exp(FloatVector.fromArray(F, sc, off + j).sub(max));
            w.intoArray(sc, off + j);
            vs = vs.add(w);
        }
        return Simd.sum(vs);
    }

    /** sc[sOff + j] = Σ_d q[qOff + d] · kT[d][j] for the whole chunk. */
    static void scores(float[] q, int qOff, int hd, float[] kT, float[] sc, int sOff) {
        if (Simd.SCALAR) {
            Arrays.fill(sc, sOff, sOff + CHUNK, 0f);
            for (int d = 0; d < hd; d++) {
                float qd = q[qOff + d];
                int kb = d * CHUNK;
                for (int j = 0; j < CHUNK; j++) sc[sOff + j] += qd * kT[kb + j];
            }
            return;
        }
        for (int j = 0; j < CHUNK; j += FL) {
            FloatVector acc = FloatVector.zero(F);
            for (int d = 0; d < hd; d++) acc = FloatVector.fromArray(F, kT, d * CHUNK + j).fma(FloatVector.broadcast(F, q[qOff + d]), acc);
            acc.intoArray(sc, sOff + j);
        }
    }

    /** o[oOff + e] += Σ_j w[wOff + j] · vT[e][j]. */
    static void accumulate(float[] w, int wOff, float[] vT, int hdv, float[] o, int oOff) {
        if (Simd.SCALAR) {
            for (int e = 0; e < hdv; e++) {
                float s = 0;
                int vb = e * CHUNK;
                for (int j = 0; j < CHUNK; j++) s += w[wOff + j] * vT[vb + j];
                o[oOff + e] += s;
            }
            return;
        }
        for (int e = 0; e < hdv; e++) {
            int vb = e * CHUNK;
            FloatVector acc = FloatVector.fromArray(F, w, wOff).mul(FloatVector.fromArray(F, vT, vb));
            for (int j = FL; j < CHUNK; j += FL) acc = FloatVector.fromArray(F, w, wOff + j).fma(FloatVector.fromArray(F, vT, vb + j), acc);
            o[oOff + e] += Simd.sum(acc);
        }
    }
}
