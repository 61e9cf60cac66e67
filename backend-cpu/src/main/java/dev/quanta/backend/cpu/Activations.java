package dev.quanta.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The activation rows of one MUL_MAT, prepared once and reused against every weight row:
 * either quantized to Q8 blocks of 32 ({@link #qa} widened to int16 so the dot kernels skip one
 * widening, {@link #da} one scale per block, {@link #sa} the sum of the quants per block for the
 * Q8_1-style offset of Q4_1/Q5_1 and the K-quant mins), or copied as F32 ({@link #xa}).
 * The arrays grow on demand and are kept by the stream: no allocation in steady state.
 */
final class Activations {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    short[] qa = new short[0];
    float[] da = new float[0];
    int[] sa = new int[0];
    float[] xa = new float[0];
    /** Elements per row (the padded stride in qa/xa), rows prepared. */
    int k, m;

    void ensureQ8(int k, int m) {
        this.k = k;
        this.m = m;
        long n = (long) k * m;
        if (n > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("MUL_MAT activations too large: " + k + " x " + m);
        if (qa.length < n) qa = new short[(int) n];
        if (da.length < n / 32) {
            da = new float[(int) (n / 32)];
            sa = new int[(int) (n / 32)];
        }
    }

    void ensureF32(int k, int m) {
        this.k = k;
        this.m = m;
        long n = (long) k * m;
        if (n > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("MUL_MAT activations too large: " + k + " x " + m);
        if (xa.length < n) xa = new float[(int) n];
    }

    /** Quantizes row j (k floats at seg[off..]) into Q8 blocks of 32: d = amax/127, q = round(x/d). */
    void quantizeRowQ8(MemorySegment seg, long off, int j) {
        int base = j * k;
        for (int b = 0; b < k / 32; b++) {
            long p = off + (long) b * 128;
            float amax = 0;
            for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(seg.get(F32, p + 4L * i)));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            int o = base + b * 32, s = 0;
            for (int i = 0; i < 32; i++) {
                int q = Math.round(seg.get(F32, p + 4L * i) * id);
                qa[o + i] = (short) q;
                s += q;
            }
            da[o >> 5] = Float.float16ToFloat(Float.floatToFloat16(d)); // stored as f16, as ggml's block_q8_0
            sa[o >> 5] = s;
        }
    }

    void copyRowF32(MemorySegment seg, long off, int j) {
        MemorySegment.copy(seg, F32, off, xa, j * k, k);
    }
}
