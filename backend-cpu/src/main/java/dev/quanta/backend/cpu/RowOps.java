package dev.quanta.backend.cpu;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.graph.Op;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.kernels.quant.QuantCodec;
import dev.quanta.kernels.quant.QuantCodecs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The row-wise ops (everything but MUL_MAT and ATTENTION): each thread takes a static range of
 * rows, loads a row into its float scratch, computes, and stores it. Semantics follow
 * {@link Op} (ggml's CPU ops).
 */
final class RowOps {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;
    /** Below this many elements an op runs on the calling thread. */
    private static final long PARALLEL_MIN = 1 << 15;
    static final float GELU_COEF_A = 0.044715f;
    static final float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;

    private final CpuStream stream;
    private final CpuThreadPool pool;
    private final float[][] sa, sb, rope;
    private final int[] ropePos;
    private final CpuThreadPool.Task task = this::rows;

    // current node
    private Tensor t, a, b, c;
    private MemorySegment ts, as, bs, cs;
    private long to, ao, bo, co;
    private long[] tne, tnb, ane, anb, bne, bnb;
    private long nrows;

    RowOps(CpuStream stream, CpuThreadPool pool) {
        this.stream = stream;
        this.pool = pool;
        int n = pool.threads();
        sa = new float[n][0];
        sb = new float[n][0];
        rope = new float[n][0];
        ropePos = new int[n];
    }

    static boolean supports(Tensor t) {
        Op op = t.op();
        return switch (op) {
            case NONE, VIEW -> true;
            case ADD, MUL, SCALE, RMS_NORM, NORM, ROPE, SOFT_MAX, SILU, GELU, SOFTCAP, SWIGLU, GEGLU, ARGMAX -> true;
            case GET_ROWS -> QuantCodecs.supported(t.src(0).type()) && !t.src(0).type().isRetired();
            case SET_ROWS -> QuantCodecs.supported(t.src(0).type()) && QuantCodecs.of(t.src(0).type()).canQuantize()
                    && t.src(0).ne(0) % t.src(0).type().blockSize == 0;
            case CPY -> QuantCodecs.supported(t.src(0).type()) && QuantCodecs.supported(t.type())
                    && QuantCodecs.of(t.type()).canQuantize() && t.ne(0) % t.type().blockSize == 0;
            default -> false;
        };
    }

    void compute(Tensor node) {
        t = node;
        a = node.src(0);
        b = node.srcCount() > 1 ? node.src(1) : null;
        c = node.srcCount() > 2 ? node.src(2) : null;
        ts = stream.seg(t);
        to = stream.off(t);
        tne = t.ne();
        tnb = CpuStream.nb(t);
        as = stream.seg(a);
        ao = stream.off(a);
        ane = a.ne();
        anb = CpuStream.nb(a);
        if (b != null) {
            bs = stream.seg(b);
            bo = stream.off(b);
            bne = b.ne();
            bnb = CpuStream.nb(b);
        }
        if (c != null) {
            cs = stream.seg(c);
            co = stream.off(c);
        }
        long work;
        switch (node.op()) {
            case GET_ROWS -> { nrows = b.ne(0); work = nrows * a.ne(0); }
            case SET_ROWS -> { nrows = b.nrows(); work = nrows * b.ne(0); }
            case ARGMAX -> { nrows = a.nrows(); work = a.nelements(); }
            default -> { nrows = t.nrows(); work = t.nelements(); }
        }
        if (node.op() == Op.SET_ROWS) checkIds(c, cs, co, nrows, a.nrows());
        if (node.op() == Op.GET_ROWS) checkIds(b, bs, bo, nrows, a.nrows());
        if (work >= PARALLEL_MIN && nrows > 1) pool.run(task);
        else rows(0, 1, 0);
        ts = as = bs = cs = null;
    }

    private static void checkIds(Tensor ids, MemorySegment s, long o, long n, long rows) {
        for (long j = 0; j < n; j++) {
            int id = s.get(I, o + j * ids.nb(0));
            if (id < 0 || id >= rows)
                throw new IllegalArgumentException("row id " + id + " at " + ids.name() + "[" + j + "] is outside 0.." + (rows - 1));
        }
    }

    private float[] scratch(float[][] s, int ith, long n) {
        if (s[ith].length < n) s[ith] = new float[(int) n];
        return s[ith];
    }

    private void load(MemorySegment s, long off, float[] dst, int n) {
        MemorySegment.copy(s, F, off, dst, 0, n);
    }

    private void store(long r, float[] src, int n) {
        MemorySegment.copy(src, 0, ts, F, to + MatMul.rowOffset(r, tne, tnb), n);
    }

    private void rows(int part, int parts, int ith) {
        long r0 = nrows * part / parts, r1 = nrows * (part + 1) / parts;
        int n = (int) t.ne(0);
        switch (t.op()) {
            case ADD, MUL -> {
                float[] x = scratch(sa, ith, n), y = scratch(sb, ith, n);
                boolean bcast = b.nrows() == 1;
                for (long r = r0; r < r1; r++) {
                    load(as, ao + MatMul.rowOffset(r, ane, anb), x, n);
                    load(bs, bo + MatMul.rowOffset(bcast ? 0 : r, bne, bnb), y, n);
                    if (t.op() == Op.ADD) for (int i = 0; i < n; i++) x[i] += y[i];
                    else for (int i = 0; i < n; i++) x[i] *= y[i];
                    store(r, x, n);
                }
            }
            case SCALE -> {
                float s = ((OpParams.Scale) t.params()).scale();
                float[] x = scratch(sa, ith, n);
                for (long r = r0; r < r1; r++) {
                    load(as, ao + MatMul.rowOffset(r, ane, anb), x, n);
                    for (int i = 0; i < n; i++) x[i] *= s;
                    store(r, x, n);
                }
            }
            case RMS_NORM -> {
                float eps = ((OpParams.Eps) t.params()).eps();
                float[] x = scratch(sa, ith, n), w = b == null ? null : scratch(sb, ith, n);
                if (w != null) load(bs, bo, w, n);
                for (long r = r0; r < r1; r++) {
                    load(as, ao + MatMul.rowOffset(r, ane, anb), x, n);
                    double sum = 0;
                    for (int i = 0; i < n; i++) sum += x[i] * x[i];
                    float scale = (float) (1.0 / Math.sqrt((float) (sum / n) + eps));
                    if (w == null) for (int i = 0; i < n; i++) x[i] *= scale;
                    else for (int i = 0; i < n; i++) x[i] = x[i] * scale * w[i];
                    store(r, x, n);
                }
            }
            case NORM -> {
                float eps = ((OpParams.Eps) t.params()).eps();
                float[] x = scratch(sa, ith, n);
                float[] w = b == null ? null : scratch(sb, ith, n);
                float[] bias = c == null ? null : scratch(rope, ith, n);
                if (w != null) load(bs, bo, w, n);
                if (bias != null) load(cs, co, bias, n);
                for (long r = r0; r < r1; r++) {
                    load(as, ao + MatMul.rowOffset(r, ane, anb), x, n);
                    double sum = 0;
                    for (int i = 0; i < n; i++) sum += x[i];
                    float mean = (float) (sum / n);
                    double var = 0;
                    for (int i = 0; i < n; i++) {
                        x[i] -= mean;
                        var += x[i] * x[i];
                    }
                    float scale = (float) (1.0 / Math.sqrt((float) (var / n) + eps));
                    for (int i = 0; i < n; i++) {
                        float v = x[i] * scale;
                        if (w != null) v *= w[i];
                        if (bias != null) v += bias[i];
                        x[i] = v;
                    }
                    store(r, x, n);
                }
            }
            case ROPE -> rope(ith, r0, r1, n);
            case SOFT_MAX -> {
                float scale = ((OpParams.SoftMax) t.params()).scale();
                float[] x = scratch(sa, ith, n), mk = b == null ? null : scratch(sb, ith, n);
                for (long r = r0; r < r1; r++) {
                    load(as, ao + MatMul.rowOffset(r, ane, anb), x, n);
                    if (mk != null) load(bs, bo + MatMul.rowOffset(r, bne, bnb), mk, n);
                    float max = Float.NEGATIVE_INFINITY;
                    for (int i = 0; i < n; i++) {
                        float v = x[i] * scale + (mk != null ? mk[i] : 0f);
                        x[i] = v;
                        if (v > max) max = v;
                    }
                    if (max == Float.NEGATIVE_INFINITY) {
                        java.util.Arrays.fill(x, 0, n, 0f);
                    } else {
                        double sum = 0;
                        for (int i = 0; i < n; i++) {
                            float e = (float) Math.exp(x[i] - max);
                            x[i] = e;
                            sum += e;
                        }
                        float inv = (float) (1.0 / sum);
                        for (int i = 0; i < n; i++) x[i] *= inv;
                    }
                    store(r, x, n);
                }
            }
            case SILU, GELU, SOFTCAP -> {
                float cap = t.op() == Op.SOFTCAP ? ((OpParams.Softcap) t.params()).cap() : 0f;
                float[] x = scratch(sa, ith, n);
                for (long r = r0; r < r1; r++) {
                    load(as, ao + MatMul.rowOffset(r, ane, anb), x, n);
                    switch (t.op()) {
                        case SILU -> { for (int i = 0; i < n; i++) x[i] = silu(x[i]); }
                        case GELU -> { for (int i = 0; i < n; i++) x[i] = gelu(x[i]); }
                        default -> { for (int i = 0; i < n; i++) x[i] = cap * (float) Math.tanh(x[i] / cap); }
                    }
                    store(r, x, n);
                }
            }
            case SWIGLU, GEGLU -> {
                float[] g = scratch(sa, ith, n), u = scratch(sb, ith, n);
                boolean swi = t.op() == Op.SWIGLU;
                for (long r = r0; r < r1; r++) {
                    load(as, ao + MatMul.rowOffset(r, ane, anb), g, n);
                    load(bs, bo + MatMul.rowOffset(r, bne, bnb), u, n);
                    if (swi) swiglu(g, u, n);
                    else for (int i = 0; i < n; i++) g[i] = gelu(g[i]) * u[i];
                    store(r, g, n);
                }
            }
            case ARGMAX -> {
                int k = (int) a.ne(0);
                float[] x = scratch(sa, ith, k);
                for (long r = r0; r < r1; r++) {
                    load(as, ao + MatMul.rowOffset(r, ane, anb), x, k);
                    int best = 0;
                    float max = x[0];
                    for (int i = 1; i < k; i++) if (x[i] > max) { max = x[i]; best = i; }
                    ts.set(I, to + r * 4, best);
                }
            }
            case GET_ROWS -> {
                QuantCodec codec = QuantCodecs.of(a.type());
                float[] x = scratch(sa, ith, n);
                for (long j = r0; j < r1; j++) {
                    int id = bs.get(I, bo + j * b.nb(0));
                    codec.dequantizeRow(as, ao + MatMul.rowOffset(id, ane, anb), x, 0, n);
                    store(j, x, n);
                }
            }
            case SET_ROWS -> {
                QuantCodec codec = QuantCodecs.of(a.type());
                int k = (int) b.ne(0);
                float[] x = scratch(sa, ith, k);
                for (long j = r0; j < r1; j++) {
                    int id = cs.get(I, co + j * c.nb(0));
                    load(bs, bo + MatMul.rowOffset(j, bne, bnb), x, k);
                    codec.quantizeRowRef(x, 0, as, ao + MatMul.rowOffset(id, ane, anb), k);
                }
            }
            case CPY -> {
                QuantCodec from = QuantCodecs.of(a.type()), into = QuantCodecs.of(t.type());
                float[] x = scratch(sa, ith, n);
                for (long r = r0; r < r1; r++) {
                    from.dequantizeRow(as, ao + MatMul.rowOffset(r, ane, anb), x, 0, n);
                    into.quantizeRowRef(x, 0, ts, to + MatMul.rowOffset(r, tne, tnb), n);
                }
            }
            default -> throw new IllegalArgumentException("op " + t.op() + " is not a row op");
        }
    }

    /**
     * g[i] = silu(g[i])·u[i]; vectorized with {@link VectorMath#exp} (scalar {@code Math.exp} made
     * SWIGLU 4% of pp512 on the 1B model, 2.6 ns per element).
     */
    static void swiglu(float[] g, float[] u, int n) {
        int i = 0;
        if (!Simd.SCALAR) {
            jdk.incubator.vector.VectorSpecies<Float> F = Simd.F;
            for (int bound = n - Simd.FL; i <= bound; i += Simd.FL) {
                jdk.incubator.vector.FloatVector x = jdk.incubator.vector.FloatVector.fromArray(F, g, i);
                jdk.incubator.vector.FloatVector e = VectorMath.exp(x.neg()).add(1f);
                x.div(e).mul(jdk.incubator.vector.FloatVector.fromArray(F, u, i)).intoArray(g, i);
            }
        }
        for (; i < n; i++) g[i] = silu(g[i]) * u[i];
    }

    static float silu(float x) {
        return x / (1f + (float) Math.exp(-x));
    }

    static float gelu(float x) {
        return 0.5f * x * (1f + (float) Math.tanh(SQRT_2_OVER_PI * x * (1f + GELU_COEF_A * x * x)));
    }

    /** ggml rope_ext: per token a cos/sin cache (theta multiplied by theta_scale per pair, YaRN ramp). */
    private void rope(int ith, long r0, long r1, int n) {
        OpParams.Rope p = (OpParams.Rope) t.params();
        int nRot = p.nRot();
        float[] x = scratch(sa, ith, n), cache = scratch(rope, ith, nRot + 2);
        long nHead = tne[1];
        float thetaScale = (float) Math.pow(p.freqBase(), -2.0f / nRot);
        float[] corr = corrDims(nRot, p.nCtxOrig(), p.freqBase(), p.betaFast(), p.betaSlow());
        boolean neox = p.mode() == OpParams.RopeMode.NEOX;
        long cachedToken = -1;
        for (long r = r0; r < r1; r++) {
            long tok = (r / nHead) % tne[2];
            if (tok != cachedToken) {
                int pos = bs.get(I, bo + tok * b.nb(0));
                float theta = pos;
                for (int i0 = 0; i0 < nRot; i0 += 2) {
                    float ff = c != null ? cs.get(F, co + (long) (i0 / 2) * 4) : 1f;
                    yarn(theta / ff, p.freqScale(), corr, i0, p.extFactor(), p.attnFactor(), cache);
                    theta *= thetaScale;
                }
                cachedToken = tok;
            }
            load(as, ao + MatMul.rowOffset(r, ane, anb), x, n);
            if (neox) {
                int half = nRot / 2;
                for (int i0 = 0; i0 < nRot; i0 += 2) {
                    int ic = i0 / 2;
                    float cos = cache[i0], sin = cache[i0 + 1];
                    float x0 = x[ic], x1 = x[ic + half];
                    x[ic] = x0 * cos - x1 * sin;
                    x[ic + half] = x0 * sin + x1 * cos;
                }
            } else {
                for (int i0 = 0; i0 < nRot; i0 += 2) {
                    float cos = cache[i0], sin = cache[i0 + 1];
                    float x0 = x[i0], x1 = x[i0 + 1];
                    x[i0] = x0 * cos - x1 * sin;
                    x[i0 + 1] = x0 * sin + x1 * cos;
                }
            }
            store(r, x, n);
        }
    }

    private static void yarn(float thetaExtrap, float freqScale, float[] corr, int i0, float extFactor, float mscale, float[] cache) {
        float thetaInterp = freqScale * thetaExtrap;
        float theta = thetaInterp;
        if (extFactor != 0f) {
            float y = (i0 / 2 - corr[0]) / Math.max(0.001f, corr[1] - corr[0]);
            float rampMix = (1 - Math.min(1, Math.max(0, y))) * extFactor;
            theta = thetaInterp * (1 - rampMix) + thetaExtrap * rampMix;
            mscale *= 1.0f + 0.1f * (float) Math.log(1.0f / freqScale);
        }
        cache[i0] = (float) Math.cos(theta) * mscale;
        cache[i0 + 1] = (float) Math.sin(theta) * mscale;
    }

    private static float[] corrDims(int nDims, int nCtxOrig, float base, float betaFast, float betaSlow) {
        float start = (float) Math.floor(corrDim(nDims, nCtxOrig, betaFast, base));
        float end = (float) Math.ceil(corrDim(nDims, nCtxOrig, betaSlow, base));
        return new float[] {Math.max(0, start), Math.min(nDims - 1, end)};
    }

    private static float corrDim(int nDims, int nCtxOrig, float nRot, float base) {
        return nDims * (float) Math.log(nCtxOrig / (nRot * 2 * (float) Math.PI)) / (2 * (float) Math.log(base));
    }

    static boolean isType(Tensor t, GgmlType... types) {
        for (GgmlType ty : types) if (t.type() == ty) return true;
        return false;
    }
}
