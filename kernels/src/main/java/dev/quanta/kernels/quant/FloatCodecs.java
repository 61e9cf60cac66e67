package dev.quanta.kernels.quant;

import dev.quanta.kernels.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** F32, F16 and BF16 rows: plain element arrays, no blocks. */
final class FloatCodecs {
    private FloatCodecs() {}

    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** IEEE half to float (exact). */
    static float h2f(short h) {
        return Float.float16ToFloat(h);
    }

    /**
     * Float to IEEE half, round to nearest even (overflow to infinity, subnormals kept), as ggml's
     * GGML_FP32_TO_FP16; a NaN becomes the quiet NaN 0x7E00 with its sign, as ggml's software path.
     */
    static short f2h(float f) {
        if (Float.isNaN(f)) return (short) (((Float.floatToRawIntBits(f) >>> 16) & 0x8000) | 0x7e00);
        return Float.floatToFloat16(f);
    }

    /** BF16 from float, round to nearest even; NaN stays a quiet NaN (ggml_compute_fp32_to_bf16). */
    static short f2bf(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 64);
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    /** C's roundf: round half away from zero (Java's Math.round rounds half up). */
    static int roundf(float v) {
        double r = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -r : r);
    }

    /** BF16 to float (exact: the high half of the float's bits). */
    static float bf2f(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    static final class F32 implements QuantCodec {
        public GgmlType type() { return GgmlType.F32; }
        public boolean canQuantize() { return true; }

        public void dequantizeRow(MemorySegment src, long off, float[] dst, int dstOff, int n) {
            MemorySegment.copy(src, F, off, dst, dstOff, n);
        }

        public void quantizeRowRef(float[] src, int srcOff, MemorySegment dst, long off, int n) {
            MemorySegment.copy(src, srcOff, dst, F, off, n);
        }
    }

    static final class F16 implements QuantCodec {
        public GgmlType type() { return GgmlType.F16; }
        public boolean canQuantize() { return true; }

        public void dequantizeRow(MemorySegment src, long off, float[] dst, int dstOff, int n) {
            for (int i = 0; i < n; i++) dst[dstOff + i] = h2f(src.get(S, off + 2L * i));
        }

        public void quantizeRowRef(float[] src, int srcOff, MemorySegment dst, long off, int n) {
            for (int i = 0; i < n; i++) dst.set(S, off + 2L * i, f2h(src[srcOff + i]));
        }
    }

    static final class BF16 implements QuantCodec {
        public GgmlType type() { return GgmlType.BF16; }
        public boolean canQuantize() { return true; }

        public void dequantizeRow(MemorySegment src, long off, float[] dst, int dstOff, int n) {
            for (int i = 0; i < n; i++) dst[dstOff + i] = bf2f(src.get(S, off + 2L * i));
        }

        public void quantizeRowRef(float[] src, int srcOff, MemorySegment dst, long off, int n) {
            for (int i = 0; i < n; i++) dst.set(S, off + 2L * i, f2bf(src[srcOff + i]));
        }
    }
}
