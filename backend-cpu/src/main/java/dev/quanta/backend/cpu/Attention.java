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
import java.util.EnumMap;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Fused causal attention with GQA over an F32, F16 or Q8_0 KV cache, one pass per (token, head)
 * with an online softmax (running max and sum, the V accumulator rescaled when the max grows):
 * no score matrix is materialized. Cells whose mask is -inf are skipped (the causal future).
 * The query row is prepared once per (token, head) in K's dot type — quantized to Q8 for a
 * Q8_0 cache so that q·k is an integer dot, as llama.cpp does — and scored with
 * {@link DotKernels}. Work is split over the pool by (token, head) pairs.
 */
final class Attention {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort S16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** Below this many multiply-adds (q·k and p·v over all items) attention runs on the calling thread. */
    private static final long PARALLEL_MIN = 1 << 15;

    private final CpuStream stream;
    private final CpuThreadPool pool;
    private final Activations[] qPrep;
    private final float[][] acc;
    private final Map<GgmlType, DotKernels> kernels = new EnumMap<>(GgmlType.class);
    private final CpuThreadPool.Task task = this::run;

    private Tensor q, k, v, mask;
    private MemorySegment qs, ks, vs, ms, os;
    private long qo, ko, vo, mo, oo;
    private OpParams.Attention p;
    private DotKernels kDot;
    private int nTok, nKv;

    Attention(CpuStream stream, CpuThreadPool pool) {
        this.stream = stream;
        this.pool = pool;
        qPrep = new Activations[pool.threads()];
        acc = new float[pool.threads()][0];
        for (int i = 0; i < qPrep.length; i++) qPrep[i] = new Activations();
        for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.Q8_0}) kernels.put(t, DotKernels.forType(t));
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
        kDot = kernels.get(k.type());
        if (kDot == null || !supports(node)) throw new IllegalArgumentException("ATTENTION: unsupported K/V types " + k.type() + "/" + v.type());
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
        int items = nTok * p.nHead();
        long work = (long) items * nKv * (p.headDim() + p.headDimV());
        if (items > 1 && work >= PARALLEL_MIN) pool.run(task, Math.min(items, pool.threads() * 4));
        else run(0, 1, 0);
        qs = ks = vs = ms = os = null;
    }

    private void run(int part, int parts, int ith) {
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
}
