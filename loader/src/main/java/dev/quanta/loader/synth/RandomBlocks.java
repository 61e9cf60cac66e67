package dev.quanta.loader.synth;

import dev.quanta.kernels.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * Random tensor data written directly in a ggml type: for quantized types, random codes with scales
 * chosen so that the decoded weights have mean about 0 and the requested standard deviation (no
 * float weights are made and quantized, so an 8B model takes seconds). For F32/F16/BF16, approximately
 * normal values (Irwin–Hall sum of four uniforms).
 */
final class RandomBlocks {
    private RandomBlocks() {}

    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** Fills {@code nBlocks} blocks of {@code type} at {@code dst[off..]} with values of std {@code sigma}. */
    static void fill(GgmlType type, MemorySegment dst, long off, long nBlocks, float sigma, SplittableRandom r) {
        int ts = type.typeSize;
        switch (type) {
            case F32 -> { for (long i = 0; i < nBlocks; i++) dst.set(ValueLayout.JAVA_FLOAT_UNALIGNED, off + 4 * i, gauss(r) * sigma); }
            case F16 -> { for (long i = 0; i < nBlocks; i++) dst.set(F16, off + 2 * i, Float.floatToFloat16(gauss(r) * sigma)); }
            case BF16 -> { for (long i = 0; i < nBlocks; i++) dst.set(F16, off + 2 * i, (short) (Float.floatToRawIntBits(gauss(r) * sigma) >>> 16)); }
            default -> {
                for (long b = 0; b < nBlocks; b++) {
                    long o = off + b * ts;
                    randomBytes(dst, o, ts, r);
                    float jitter = 0.8f + 0.4f * (float) r.nextDouble();
                    block(type, dst, o, sigma * jitter, r);
                }
            }
        }
    }

    /** Sets the scale fields of one block whose code bytes are already random. */
    private static void block(GgmlType type, MemorySegment m, long o, float s, SplittableRandom r) {
        // symmetric codes (q − 8, q − 16, q − 32, ...) have a mean of −0.5: a random sign of d per block
        // cancels it (ggml's own quantizers produce negative d too)
        float sign = r.nextBoolean() ? 1f : -1f;
        switch (type) {
            case Q8_0 -> { // q uniform in [-128, 127]: std ~74
                h(m, o, sign * s / 74f);
            }
            case Q4_0, IQ4_NL -> h(m, o, sign * (type == GgmlType.Q4_0 ? s / 4.6f : s / 70f)); // (q - 8)·d; table values ~±127
            case Q4_1 -> { float d = s / 4.6f; h(m, o, d); h(m, o + 2, -7.5f * d); }
            case Q5_0 -> h(m, o, sign * s / 9.2f);
            case Q5_1 -> { float d = s / 9.2f; h(m, o, d); h(m, o + 2, -15.5f * d); }
            case Q2_K -> { // scales[16]: 4-bit scale 8, 4-bit min 8; value d·8·q − dmin·8, q in 0..3
                for (int i = 0; i < 16; i++) m.set(ValueLayout.JAVA_BYTE, o + i, (byte) 0x88);
                float d = s / (8f * 1.12f);
                h(m, o + 80, d);
                h(m, o + 82, 1.5f * d);
            }
            case Q3_K -> { // 16 six-bit scales all 48 (sc − 32 = 16); q in -4..3
                for (int i = 0; i < 8; i++) m.set(ValueLayout.JAVA_BYTE, o + 96 + i, (byte) 0);
                for (int i = 8; i < 12; i++) m.set(ValueLayout.JAVA_BYTE, o + 96 + i, (byte) 0xFF);
                h(m, o + 108, sign * s / (16f * 2.3f));
            }
            case Q4_K, Q5_K -> { // 8 six-bit scales and mins, all 32; value d·32·q − dmin·32
                kScales(m, o + 4);
                float qstd = type == GgmlType.Q4_K ? 4.6f : 9.2f, qmean = type == GgmlType.Q4_K ? 7.5f : 15.5f;
                float d = s / (32f * qstd);
                h(m, o, d);
                h(m, o + 2, qmean * d);
            }
            case Q6_K -> { // int8 scales 16; value d·16·(q − 32), q in 0..63
                for (int i = 0; i < 16; i++) m.set(ValueLayout.JAVA_BYTE, o + 192 + i, (byte) 16);
                h(m, o + 208, sign * s / (16f * 18.5f));
            }
            default -> throw new IllegalArgumentException("no random block writer for " + type);
        }
    }

    /** The 12-byte K-quant scale field with every 6-bit scale and min = 32. */
    private static void kScales(MemorySegment m, long o) {
        for (int j = 0; j < 8; j++) m.set(ValueLayout.JAVA_BYTE, o + j, (byte) (32 | 0x80)); // low 6 bits 32, high bits of j+4 = 2
        for (int j = 8; j < 12; j++) m.set(ValueLayout.JAVA_BYTE, o + j, (byte) 0);
    }

    private static void h(MemorySegment m, long o, float v) {
        m.set(F16, o, Float.floatToFloat16(v));
    }

    private static void randomBytes(MemorySegment m, long o, int n, SplittableRandom r) {
        int i = 0;
        for (; i + 8 <= n; i += 8) m.set(ValueLayout.JAVA_LONG_UNALIGNED, o + i, r.nextLong());
        if (i < n) {
            long v = r.nextLong();
            for (; i < n; i++, v >>>= 8) m.set(ValueLayout.JAVA_BYTE, o + i, (byte) v);
        }
    }

    /** Approximately N(0, 1): the sum of four 16-bit uniforms, centred and scaled. */
    static float gauss(SplittableRandom r) {
        long v = r.nextLong();
        int s = (int) (v & 0xFFFF) + (int) ((v >>> 16) & 0xFFFF) + (int) ((v >>> 32) & 0xFFFF) + (int) (v >>> 48);
        return (s - 2 * 65535f) * (1.7320508f / 65536f) ;
    }
}
