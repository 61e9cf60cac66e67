package dev.quanta.backend.opencl;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.quant.QuantCodecs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/**
 * Test oracle for weight rows: QuantCodecs where the type has a codec, otherwise a scalar decoder
 * written from ggml's dequantize_row_* loops (row-wise, unlike the kernels' per-element form), and
 * random blocks with sane fp16 scales.
 */
final class RefDecode {
    private RefDecode() {}

    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED;

    static float h(MemorySegment m, long off) {
        return Float.float16ToFloat(m.get(S, off));
    }

    static int u8(MemorySegment m, long off) {
        return m.get(ValueLayout.JAVA_BYTE, off) & 0xff;
    }

    /** Random bytes for rows*k elements of type t, scales set to small positive halves. */
    static MemorySegment random(GgmlType t, int rows, int k, Random rnd) {
        long rb = t.rowBytes(k);
        MemorySegment m = MemorySegment.ofArray(new byte[(int) (rb * rows)]);
        if (!t.isQuantized()) {
            for (long e = 0; e < (long) rows * k; e++) {
                float v = (float) rnd.nextGaussian();
                switch (t) {
                    case F32 -> m.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4 * e, v);
                    case F16 -> m.set(S, 2 * e, Float.floatToFloat16(v));
                    case BF16 -> m.set(S, 2 * e, (short) (Float.floatToRawIntBits(v) >>> 16));
                    default -> throw new IllegalArgumentException(t.name());
                }
            }
            return m;
        }
        for (long i = 0; i < m.byteSize(); i++) m.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
        long blocks = m.byteSize() / t.typeSize;
        for (long b = 0; b < blocks; b++) {
            long p = b * t.typeSize;
            int[] halves = switch (t) {
                case Q4_0, Q5_0, Q8_0, Q8_1, IQ4_NL, IQ4_XS -> new int[] {0};
                case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
                case Q2_K -> new int[] {80, 82};
                case Q3_K -> new int[] {108};
                case Q6_K -> new int[] {208};
                case Q8_K -> new int[0];
                default -> throw new IllegalArgumentException(t.name());
            };
            for (int o : halves) m.set(S, p + o, Float.floatToFloat16(0.002f + 0.02f * rnd.nextFloat()));
            if (t == GgmlType.Q8_K) m.set(ValueLayout.JAVA_FLOAT_UNALIGNED, p, 0.002f + 0.02f * rnd.nextFloat());
        }
        return m;
    }

    static float[] row(GgmlType t, MemorySegment m, long off, int k) {
        float[] y = new float[k];
        if (QuantCodecs.supported(t)) {
            QuantCodecs.of(t).dequantizeRow(m, off, y, 0, k);
            return y;
        }
        int nb = k / t.blockSize;
        for (int i = 0; i < nb; i++) {
            long b = off + (long) i * t.typeSize;
            int o = i * t.blockSize;
            switch (t) {
                case Q4_1 -> {
                    float d = h(m, b), mn = h(m, b + 2);
                    for (int j = 0; j < 16; j++) {
                        int q = u8(m, b + 4 + j);
                        y[o + j] = (q & 15) * d + mn;
                        y[o + j + 16] = (q >> 4) * d + mn;
                    }
                }
                case Q5_0, Q5_1 -> {
                    boolean one = t == GgmlType.Q5_1;
                    float d = h(m, b), mn = one ? h(m, b + 2) : 0;
                    long qhOff = b + (one ? 4 : 2), qs = qhOff + 4;
                    int qh = m.get(ValueLayout.JAVA_INT_UNALIGNED, qhOff);
                    for (int j = 0; j < 16; j++) {
                        int x0 = (u8(m, qs + j) & 15) | (((qh >>> j) << 4) & 0x10);
                        int x1 = (u8(m, qs + j) >> 4) | ((qh >>> (j + 12)) & 0x10);
                        y[o + j] = one ? x0 * d + mn : (x0 - 16) * d;
                        y[o + j + 16] = one ? x1 * d + mn : (x1 - 16) * d;
                    }
                }
                case Q4_K, Q5_K -> {
                    boolean five = t == GgmlType.Q5_K;
                    float d = h(m, b), dmin = h(m, b + 2);
                    long sc = b + 4, qh = b + 16, q = b + (five ? 48 : 16);
                    int is = 0, u1 = 1, u2 = 2, yi = o;
                    for (int j = 0; j < 256; j += 64) {
                        int[] sm1 = scaleMin(m, sc, is), sm2 = scaleMin(m, sc, is + 1);
                        for (int l = 0; l < 32; l++) {
                            int hb = five && (u8(m, qh + l) & u1) != 0 ? 16 : 0;
                            y[yi++] = d * sm1[0] * ((u8(m, q + l) & 15) + hb) - dmin * sm1[1];
                        }
                        for (int l = 0; l < 32; l++) {
                            int hb = five && (u8(m, qh + l) & u2) != 0 ? 16 : 0;
                            y[yi++] = d * sm2[0] * ((u8(m, q + l) >> 4) + hb) - dmin * sm2[1];
                        }
                        q += 32;
                        is += 2;
                        u1 <<= 2;
                        u2 <<= 2;
                    }
                }
                case Q6_K -> {
                    float d = h(m, b + 208);
                    long ql = b, qh = b + 128, sc = b + 192;
                    for (int n = 0; n < 256; n += 128) {
                        for (int l = 0; l < 32; l++) {
                            int is = l / 16;
                            int q1 = ((u8(m, ql + l) & 15) | ((u8(m, qh + l) & 3) << 4)) - 32;
                            int q2 = ((u8(m, ql + l + 32) & 15) | (((u8(m, qh + l) >> 2) & 3) << 4)) - 32;
                            int q3 = ((u8(m, ql + l) >> 4) | (((u8(m, qh + l) >> 4) & 3) << 4)) - 32;
                            int q4 = ((u8(m, ql + l + 32) >> 4) | (((u8(m, qh + l) >> 6) & 3) << 4)) - 32;
                            y[o + n + l] = d * m.get(ValueLayout.JAVA_BYTE, sc + is) * q1;
                            y[o + n + l + 32] = d * m.get(ValueLayout.JAVA_BYTE, sc + is + 2) * q2;
                            y[o + n + l + 64] = d * m.get(ValueLayout.JAVA_BYTE, sc + is + 4) * q3;
                            y[o + n + l + 96] = d * m.get(ValueLayout.JAVA_BYTE, sc + is + 6) * q4;
                        }
                        ql += 64;
                        qh += 32;
                        sc += 8;
                    }
                }
                default -> throw new IllegalArgumentException("no oracle for " + t);
            }
        }
        return y;
    }

    private static int[] scaleMin(MemorySegment m, long q, int j) {
        if (j < 4) return new int[] {u8(m, q + j) & 63, u8(m, q + j + 4) & 63};
        return new int[] {(u8(m, q + j + 4) & 0xF) | ((u8(m, q + j - 4) >> 6) << 4),
                (u8(m, q + j + 4) >> 4) | ((u8(m, q + j) >> 6) << 4)};
    }
}
