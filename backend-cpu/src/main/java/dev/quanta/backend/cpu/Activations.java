package dev.quanta.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The activation rows of one MUL_MAT, prepared once and reused against every weight row, in one
 * of three forms:
 * <ul>
 * <li>Q8 blocks of 32 (ggml's {@code block_q8_0}, for Q4_0/Q8_0 weights): {@link #qa} the quants
 * widened to int16 so the dot kernels skip one widening, {@link #da} one f16-rounded scale per
 * block, {@link #sa} the sum of the quants per block (for offset corrections);</li>
 * <li>Q8_K super-blocks of 256 (ggml's {@code block_q8_K}, for K-quant weights): {@link #qa}
 * again, {@link #dk} one f32 scale per 256, {@link #bs} the sum of each group of 16 quants
 * ({@code bsums}, for the K-quant mins and offsets);</li>
 * <li>F32 copies ({@link #xa}, for float weights).</li>
 * </ul>
 * Quantization rounds like ggml's {@code nearest_int} (round half to even) and is vectorized.
 * The arrays grow on demand and are kept by the stream: no allocation in steady state.
 */
final class Activations {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** 1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer in the low mantissa bits. */
    private static final float MAGIC = 12582912f;
    private static final int MAGIC_BITS = 0x4B400000;

    short[] qa = new short[0];
    /** The same Q8 quants as int8 ({@link #qa}'s values), for kernels that widen them in the load: half the L1 footprint. */
    byte[] qb = new byte[0];
    float[] da = new float[0];
    int[] sa = new int[0];
    float[] dk = new float[0];
    int[] bs = new int[0];
    float[] xa = new float[0];
    /** Elements per row (the padded stride in qa/xa), rows prepared. */
    int k, m;

    private static long size(int k, int m) {
        long n = (long) k * m;
        if (n > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("MUL_MAT activations too large: " + k + " x " + m);
        return n;
    }

    void ensureQ8(int k, int m) {
        this.k = k;
        this.m = m;
        long n = size(k, m);
        if (qa.length < n) qa = new short[(int) n];
        if (qb.length < n) qb = new byte[(int) n];
        if (da.length < n / 32) {
            da = new float[(int) (n / 32)];
            sa = new int[(int) (n / 32)];
        }
    }

    void ensureQ8K(int k, int m) {
        this.k = k;
        this.m = m;
        long n = size(k, m);
        if (qa.length < n) qa = new short[(int) n];
        if (dk.length < n / 256) dk = new float[(int) (n / 256)];
        if (bs.length < n / 16) bs = new int[(int) (n / 16)];
    }

    void ensureF32(int k, int m) {
        this.k = k;
        this.m = m;
        long n = size(k, m);
        if (xa.length < n) xa = new float[(int) n];
    }

    static int nearestInt(float v) {
        return Float.floatToRawIntBits(v + MAGIC) - MAGIC_BITS;
    }

    /** Quantizes row j (k floats at seg[off..]) into Q8 blocks of 32: d = amax/127, q = round(x/d). */
    void quantizeRowQ8(MemorySegment seg, long off, int j) {
        int base = j * k;
        for (int b = 0; b < k / 32; b++) {
            long p = off + (long) b * 128;
            int o = base + b * 32;
            float amax = Math.abs(signedMax(seg, p, 32));
            float d = amax / 127f;
            quantize(seg, p, 32, o, d != 0 ? 1f / d : 0f);
            da[o >> 5] = Float.float16ToFloat(Float.floatToFloat16(d)); // stored as f16, as ggml's block_q8_0
            int s = 0;
            for (int i = 0; i < 32; i++) {
                s += qa[o + i];
                qb[o + i] = (byte) qa[o + i];
            }
            sa[o >> 5] = s;
        }
    }

    /**
     * Quantizes row j into Q8_K super-blocks of 256 (k a multiple of 256) as ggml's
     * quantize_row_q8_K: iscale = −127/max with max the signed element of largest magnitude,
     * q = min(127, round(iscale·x)), d = 1/iscale; bsums per 16.
     */
    void quantizeRowQ8K(MemorySegment seg, long off, int j) {
        int base = j * k;
        for (int b = 0; b < k / 256; b++) {
            int o = base + b * 256;
            long p = off + (long) b * 1024;
            float max = signedMax(seg, p, 256);
            if (max == 0) {
                java.util.Arrays.fill(qa, o, o + 256, (short) 0);
                java.util.Arrays.fill(bs, o >> 4, (o >> 4) + 16, 0);
                dk[o >> 8] = 0;
                continue;
            }
            float iscale = -127f / max;
            quantize(seg, p, 256, o, iscale);
            dk[o >> 8] = 1 / iscale;
            for (int g = 0; g < 16; g++) {
                int s = 0;
                for (int i = 0; i < 16; i++) s += qa[o + 16 * g + i];
                bs[(o >> 4) + g] = s;
            }
        }
    }

    /** The element of largest magnitude among n floats at seg[p..] (n a multiple of 16). */
    private static float signedMax(MemorySegment seg, long p, int n) {
        int i = 0;
        float mx = 0, mn = 0;
        if (!Simd.SCALAR) {
            FloatVector vmx = FloatVector.zero(Simd.F), vmn = vmx;
            for (; i <= n - Simd.FL; i += Simd.FL) {
                FloatVector v = FloatVector.fromMemorySegment(Simd.F, seg, p + 4L * i, LE);
                vmx = vmx.max(v);
                vmn = vmn.min(v);
            }
            mx = vmx.reduceLanes(VectorOperators.MAX);
            mn = vmn.reduceLanes(VectorOperators.MIN);
        }
        for (; i < n; i++) {
            float v = seg.get(F32, p + 4L * i);
            mx = Math.max(mx, v);
            mn = Math.min(mn, v);
        }
        return mx >= -mn ? mx : mn;
    }

    /** qa[o..o+n) = min(127, nearestInt(x·iscale)) for n floats at seg[p..]. */
    private void quantize(MemorySegment seg, long p, int n, int o, float iscale) {
        int i = 0;
        if (!Simd.SCALAR) {
            FloatVector ids = FloatVector.broadcast(Simd.F, iscale), magic = FloatVector.broadcast(Simd.F, MAGIC);
            for (; i <= n - Simd.FL; i += Simd.FL) {
                IntVector q = FloatVector.fromMemorySegment(Simd.F, seg, p + 4L * i, LE).mul(ids).add(magic)
                        .reinterpretAsInts().sub(MAGIC_BITS).min(127);
                ((ShortVector) q.convertShape(VectorOperators.I2S, Simd.SF, 0)).intoArray(qa, o + i);
            }
        }
        for (; i < n; i++) qa[o + i] = (short) Math.min(127, nearestInt(seg.get(F32, p + 4L * i) * iscale));
    }

    void copyRowF32(MemorySegment seg, long off, int j) {
        MemorySegment.copy(seg, F32, off, xa, j * k, k);
    }
}
