package dev.quanta.kernels.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.GgmlType;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * Blocks written by hand from the layouts in FORMATS.md / ggml-common.h, decoded by the codecs and
 * checked element by element against values worked out here (plus literal spot checks), and a
 * few hand-computed quantizations (rounding rules of ggml).
 */
class HandWrittenBlockTest {
    // f16 bit patterns
    static final int H_1 = 0x3C00, H_2 = 0x4000, H_HALF = 0x3800, H_QUARTER = 0x3400, H_EIGHTH = 0x3000, H_M1 = 0xBC00;

    static float[] decode(GgmlType t, byte[] block, int blocks) {
        float[] y = new float[blocks * t.blockSize + 2];
        y[0] = Float.NaN; // decoding at an offset must leave the rest alone
        QuantCodecs.of(t).dequantizeRow(MemorySegment.ofArray(block), 0, y, 1, blocks * t.blockSize);
        assertTrue(Float.isNaN(y[0]));
        assertEquals(0f, y[y.length - 1]);
        float[] out = new float[blocks * t.blockSize];
        System.arraycopy(y, 1, out, 0, out.length);
        return out;
    }

    static void f16(byte[] b, int at, int h) {
        b[at] = (byte) h;
        b[at + 1] = (byte) (h >> 8);
    }

    static final float[] KV = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    @Test
    void q4_0() {
        byte[] b = new byte[18];
        f16(b, 0, H_HALF);
        for (int j = 0; j < 16; j++) b[2 + j] = (byte) (j | (15 - j) << 4);
        float[] y = decode(GgmlType.Q4_0, b, 1);
        for (int j = 0; j < 16; j++) {
            assertEquals((j - 8) * 0.5f, y[j]);
            assertEquals((7 - j) * 0.5f, y[16 + j]);
        }
        assertEquals(-4f, y[0]);
        assertEquals(3.5f, y[16]);
    }

    @Test
    void q4_1() {
        byte[] b = new byte[20];
        f16(b, 0, H_QUARTER);
        f16(b, 2, H_M1);
        for (int j = 0; j < 16; j++) b[4 + j] = (byte) (j | (15 - j) << 4);
        float[] y = decode(GgmlType.Q4_1, b, 1);
        for (int j = 0; j < 16; j++) {
            assertEquals(j * 0.25f - 1, y[j]);
            assertEquals((15 - j) * 0.25f - 1, y[16 + j]);
        }
        assertEquals(2.75f, y[16]);
    }

    @Test
    void q5_0() {
        byte[] b = new byte[22];
        f16(b, 0, H_1);
        int qh = 0xAAAA_AAAA; // element j has bit 4 when j is odd
        for (int k = 0; k < 4; k++) b[2 + k] = (byte) (qh >>> (8 * k));
        for (int j = 0; j < 16; j++) b[6 + j] = (byte) (j | (15 - j) << 4);
        float[] y = decode(GgmlType.Q5_0, b, 1);
        for (int j = 0; j < 32; j++) {
            int nib = j < 16 ? j : 15 - (j - 16);
            assertEquals((nib | (j % 2) << 4) - 16, y[j], "element " + j);
        }
        assertEquals(-16f, y[0]);
        assertEquals(0f, y[31]); // nibble 0, odd: (0 | 16) - 16
        assertEquals(14f, y[17]); // nibble 14, odd: (14 | 16) - 16
    }

    @Test
    void q5_1() {
        byte[] b = new byte[24];
        f16(b, 0, H_2);
        f16(b, 2, H_HALF);
        b[4] = (byte) 0xff; // qh = 0x0000FFFF: elements 0..15 have bit 4
        b[5] = (byte) 0xff;
        for (int j = 0; j < 16; j++) b[8 + j] = (byte) (j | (15 - j) << 4);
        float[] y = decode(GgmlType.Q5_1, b, 1);
        for (int j = 0; j < 16; j++) {
            assertEquals((j | 16) * 2f + 0.5f, y[j]);
            assertEquals((15 - j) * 2f + 0.5f, y[16 + j]);
        }
        assertEquals(62.5f, y[15]);
    }

    @Test
    void q8_0AndQ8_1() {
        byte[] b0 = new byte[34], b1 = new byte[36];
        f16(b0, 0, H_EIGHTH);
        f16(b1, 0, H_EIGHTH);
        f16(b1, 2, 0x7bff); // s is not used to decode
        for (int j = 0; j < 32; j++) b0[2 + j] = b1[4 + j] = (byte) (j * 8 - 128);
        float[] y0 = decode(GgmlType.Q8_0, b0, 1), y1 = decode(GgmlType.Q8_1, b1, 1);
        for (int j = 0; j < 32; j++) assertEquals((j * 8 - 128) * 0.125f, y0[j]);
        assertArrayEquals(y0, y1);
        assertEquals(-16f, y0[0]);
    }

    @Test
    void q8_K() {
        byte[] b = new byte[292];
        int d = Float.floatToRawIntBits(0.25f);
        for (int k = 0; k < 4; k++) b[k] = (byte) (d >>> (8 * k));
        for (int j = 0; j < 256; j++) b[4 + j] = (byte) (j - 128);
        float[] y = decode(GgmlType.Q8_K, b, 1);
        for (int j = 0; j < 256; j++) assertEquals((j - 128) * 0.25f, y[j]);
    }

    @Test
    void q2_K() {
        byte[] b = new byte[84];
        for (int k = 0; k < 16; k++) b[k] = (byte) (k | 1 << 4); // scale k, min 1
        for (int i = 0; i < 64; i++) b[16 + i] = (byte) 0xE4; // 2-bit fields 0,1,2,3 from bit 0 up
        f16(b, 80, H_1);
        f16(b, 82, H_HALF);
        float[] y = decode(GgmlType.Q2_K, b, 1);
        for (int e = 0; e < 256; e++) {
            int q = (e % 128) / 32; // the byte's 2-bit field 2·((e%128)/32) holds that same number
            assertEquals((e / 16) * q - 0.5f, y[e], "element " + e);
        }
        assertEquals(-0.5f, y[0]);
        assertEquals(1.5f, y[40]);
        assertEquals(23.5f, y[200]);
        assertEquals(44.5f, y[255]);
    }

    /** Sets the 6-bit Q3_K scale of sub-block k (value 0..63, read as value − 32). */
    static void q3Scale(byte[] b, int k, int v) {
        int s = 96;
        if (k < 8) b[s + k] = (byte) ((b[s + k] & 0xF0) | (v & 0xF));
        else b[s + k - 8] = (byte) ((b[s + k - 8] & 0x0F) | (v & 0xF) << 4);
        b[s + 8 + k % 4] |= (byte) ((v >> 4) << (2 * (k / 4)));
    }

    @Test
    void q3_K() {
        byte[] b = new byte[110];
        for (int i = 0; i < 32; i++) b[i] = 0x55; // high bit set for elements whose e/32 is even
        for (int i = 0; i < 64; i++) b[32 + i] = (byte) 0xE4;
        int[] sc = new int[16];
        for (int k = 0; k < 16; k++) sc[k] = 33;
        sc[3] = 40;
        sc[12] = 0;
        sc[15] = 63;
        for (int k = 0; k < 16; k++) q3Scale(b, k, sc[k]);
        f16(b, 108, H_HALF);
        float[] y = decode(GgmlType.Q3_K, b, 1);
        for (int e = 0; e < 256; e++) {
            int q = (e % 128) / 32 - ((e / 32) % 2 == 0 ? 0 : 4);
            assertEquals(0.5f * (sc[e / 16] - 32) * q, y[e], "element " + e);
        }
        assertEquals(0f, y[0]);
        assertEquals(-1.5f, y[32]);
        assertEquals(-12f, y[48]);
        assertEquals(-32f, y[200]);
        assertEquals(0.5f * 31 * -1, y[255]);
    }

    static final int[] SC = {3, 13, 23, 33, 43, 53, 63, 17}, MN = {0, 1, 2, 60, 4, 35, 6, 63};

    /** The 12 packed scale bytes of Q4_K/Q5_K for 6-bit scales SC and mins MN. */
    static void k4Scales(byte[] b, int at) {
        for (int j = 0; j < 4; j++) {
            b[at + j] = (byte) (SC[j] | (SC[j + 4] >> 4) << 6);
            b[at + j + 4] = (byte) (MN[j] | (MN[j + 4] >> 4) << 6);
            b[at + j + 8] = (byte) ((SC[j + 4] & 0xF) | (MN[j + 4] & 0xF) << 4);
        }
    }

    @Test
    void q4_K() {
        byte[] b = new byte[144];
        f16(b, 0, H_1);
        f16(b, 2, H_QUARTER);
        k4Scales(b, 4);
        for (int i = 0; i < 128; i++) b[16 + i] = (byte) ((i & 0xF) | (15 - (i & 0xF)) << 4);
        float[] y = decode(GgmlType.Q4_K, b, 1);
        for (int e = 0; e < 256; e++) {
            int c = e / 64, r = e % 32;
            boolean high = (e % 64) >= 32;
            int q = high ? 15 - (r & 0xF) : r & 0xF;
            int sub = 2 * c + (high ? 1 : 0);
            assertEquals(SC[sub] * q - 0.25f * MN[sub], y[e], "element " + e);
        }
        assertEquals(0f, y[0]);
        assertEquals(17f * 15 - 0.25f * 63, y[224]); // sub-block 7, high nibble 15
    }

    @Test
    void q5_K() {
        byte[] b = new byte[176];
        f16(b, 0, H_HALF);
        f16(b, 2, H_1);
        k4Scales(b, 4);
        for (int r = 0; r < 32; r++) b[16 + r] = (byte) (r % 2 == 0 ? 0x55 : 0xAA); // even r: low halves get bit 4, odd: high halves
        for (int i = 0; i < 128; i++) b[48 + i] = (byte) ((i & 0xF) | (15 - (i & 0xF)) << 4);
        float[] y = decode(GgmlType.Q5_K, b, 1);
        for (int e = 0; e < 256; e++) {
            int c = e / 64, r = e % 32;
            boolean high = (e % 64) >= 32;
            int q = (high ? 15 - (r & 0xF) : r & 0xF) + ((r % 2 == 0) != high ? 16 : 0);
            int sub = 2 * c + (high ? 1 : 0);
            assertEquals(0.5f * SC[sub] * q - MN[sub], y[e], "element " + e);
        }
        assertEquals(0.5f * 3 * 16 - 0, y[0]);
    }

    @Test
    void q6_K() {
        byte[] b = new byte[210];
        // q6 of element e = e % 64 in both halves: low 4 bits from ql, high 2 bits from qh
        int[] q = new int[256];
        for (int e = 0; e < 256; e++) q[e] = (e * 5 + 3) % 64;
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int e = 128 * h + l;
                b[64 * h + l] = (byte) ((q[e] & 0xF) | (q[e + 64] & 0xF) << 4);
                b[64 * h + l + 32] = (byte) ((q[e + 32] & 0xF) | (q[e + 96] & 0xF) << 4);
                b[128 + 32 * h + l] = (byte) ((q[e] >> 4) | (q[e + 32] >> 4) << 2 | (q[e + 64] >> 4) << 4 | (q[e + 96] >> 4) << 6);
            }
        }
        byte[] sc = {1, -1, 2, -2, 3, -3, 127, -128, 5, 6, 7, 8, -9, -10, 11, 12};
        System.arraycopy(sc, 0, b, 192, 16);
        f16(b, 208, H_QUARTER);
        float[] y = decode(GgmlType.Q6_K, b, 1);
        for (int e = 0; e < 256; e++) assertEquals(0.25f * sc[e / 16] * (q[e] - 32), y[e], "element " + e);
        assertEquals(0.25f * 1 * (3 - 32), y[0]);
    }

    @Test
    void iq4_NL() {
        byte[] b = new byte[18];
        f16(b, 0, H_HALF);
        for (int j = 0; j < 16; j++) b[2 + j] = (byte) (j | (15 - j) << 4);
        float[] y = decode(GgmlType.IQ4_NL, b, 1);
        for (int j = 0; j < 16; j++) {
            assertEquals(0.5f * KV[j], y[j]);
            assertEquals(0.5f * KV[15 - j], y[16 + j]);
        }
        assertEquals(-63.5f, y[0]);
        assertEquals(56.5f, y[16]);
    }

    @Test
    void iq4_XS() {
        byte[] b = new byte[136];
        f16(b, 0, H_QUARTER);
        int[] ls = {33, 31, 0, 63, 40, 32, 7, 50};
        int sh = 0;
        for (int ib = 0; ib < 8; ib++) {
            sh |= (ls[ib] >> 4) << (2 * ib);
            b[4 + ib / 2] |= (byte) ((ls[ib] & 0xF) << (4 * (ib % 2)));
        }
        b[2] = (byte) sh;
        b[3] = (byte) (sh >> 8);
        for (int i = 0; i < 128; i++) b[8 + i] = (byte) ((i & 0xF) | (15 - (i & 0xF)) << 4);
        float[] y = decode(GgmlType.IQ4_XS, b, 1);
        for (int e = 0; e < 256; e++) {
            int ib = e / 32, r = e % 32;
            int q = r < 16 ? r : 15 - (r - 16);
            assertEquals(0.25f * (ls[ib] - 32) * KV[q], y[e], "element " + e);
        }
        assertEquals(0.25f * 1 * -127, y[0]);
        assertEquals(0.25f * -32 * 113, y[64 + 16]);
    }

    @Test
    void floats() {
        byte[] h = new byte[6];
        f16(h, 0, H_M1);
        f16(h, 2, 0x0001); // smallest subnormal 2^-24
        f16(h, 4, 0x7C00);
        assertArrayEquals(new float[] {-1f, 0x1p-24f, Float.POSITIVE_INFINITY}, decode(GgmlType.F16, h, 3));
        byte[] bf = {(byte) 0x80, 0x3F, 0x00, (byte) 0xC0};
        assertArrayEquals(new float[] {1f, -2f}, decode(GgmlType.BF16, bf, 2));
    }

    // ---- quantizers: ggml's rounding rules ----

    static byte[] quantize(GgmlType t, float... x) {
        byte[] out = new byte[(int) t.rowBytes(x.length)];
        QuantCodecs.of(t).quantizeRowRef(x, 0, MemorySegment.ofArray(out), 0, x.length);
        return out;
    }

    @Test
    void q8_0RoundsHalfAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127; // amax 127: d = 1
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 0.5f;
        x[4] = -0.5f;
        x[5] = -127;
        byte[] q = quantize(GgmlType.Q8_0, x);
        assertEquals(H_1, (q[0] & 0xff) | (q[1] & 0xff) << 8);
        assertArrayEquals(new byte[] {127, 3, -3, 1, -1, -127, 0}, java.util.Arrays.copyOfRange(q, 2, 9));
    }

    @Test
    void q4_0UsesTheSignedMaxAndRoundsHalfUp() {
        float[] x = new float[32];
        x[0] = -8; // the largest magnitude is negative: d = -8 / -8 = 1
        x[1] = 0.5f; // 0.5 + 8.5 = 9 -> 9
        x[2] = -0.5f; // 8 -> 8
        x[3] = 7.9f; // clamps to 15
        x[16] = 3;
        byte[] q = quantize(GgmlType.Q4_0, x);
        assertEquals(H_1, (q[0] & 0xff) | (q[1] & 0xff) << 8);
        assertEquals(0 | 11 << 4, q[2] & 0xff);
        assertEquals(9 | 8 << 4, q[3] & 0xff);
        assertEquals(8 | 8 << 4, q[4] & 0xff);
        assertEquals(15 | 8 << 4, q[5] & 0xff);
    }

    @Test
    void nearestIntRoundsHalfToEven() {
        assertEquals(2, KQuantMath.nearestInt(2.5f));
        assertEquals(4, KQuantMath.nearestInt(3.5f));
        assertEquals(-2, KQuantMath.nearestInt(-2.5f));
        assertEquals(0, KQuantMath.nearestInt(0.5f));
        assertEquals(0, KQuantMath.nearestInt(-0.5f));
        assertEquals(-7, KQuantMath.nearestInt(-6.7f));
        assertEquals(4194303, KQuantMath.nearestInt(4194303f));
        assertEquals(3, FloatCodecs.roundf(2.5f));
        assertEquals(-3, FloatCodecs.roundf(-2.5f));
    }

    @Test
    void allZeroBlocksEncodeToZeroBytes() {
        for (GgmlType t : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q8_K}) {
            byte[] q = quantize(t, new float[t.blockSize]);
            float[] y = decode(t, q, 1);
            for (float v : y) assertTrue(v == 0, t + ": " + v); // Q4_0 gives -0.0: d = 0 / -8
        }
        // Q4_0 stores 8 (the zero level) in every nibble, not 0
        assertEquals((byte) 0x88, quantize(GgmlType.Q4_0, new float[32])[2]);
    }

    @Test
    void fp16AndBf16Conversions() {
        assertEquals((short) 0x3C00, FloatCodecs.f2h(1f));
        assertEquals((short) 0x3C00, FloatCodecs.f2h(1f + 0x1p-11f)); // tie -> even
        assertEquals((short) 0x3C02, FloatCodecs.f2h(1f + 3 * 0x1p-11f)); // tie -> even (up)
        assertEquals((short) 0x7C00, FloatCodecs.f2h(65520f)); // overflow
        assertEquals((short) 0x7E00, FloatCodecs.f2h(Float.NaN));
        assertEquals((short) 0xFE00, FloatCodecs.f2h(Float.intBitsToFloat(0xFFC01234)));
        assertEquals((short) 0x3F80, FloatCodecs.f2bf(Float.intBitsToFloat(0x3F808000))); // tie -> even
        assertEquals((short) 0x3F82, FloatCodecs.f2bf(Float.intBitsToFloat(0x3F818000)));
        assertEquals((short) 0x7FC0, FloatCodecs.f2bf(Float.intBitsToFloat(0x7F800001))); // NaN stays NaN, quiet
        assertEquals((short) 0x0001, FloatCodecs.f2bf(Float.intBitsToFloat(0x00010000))); // subnormals kept
    }

    @Test
    void registryAndArgumentChecks() {
        for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1,
                GgmlType.Q8_0, GgmlType.Q8_1, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q8_K}) {
            assertTrue(QuantCodecs.supported(t), t.toString());
            assertTrue(QuantCodecs.of(t).canQuantize(), t.toString());
            assertEquals(t, QuantCodecs.of(t).type());
        }
        for (GgmlType t : new GgmlType[] {GgmlType.IQ4_NL, GgmlType.IQ4_XS}) {
            assertTrue(QuantCodecs.supported(t));
            assertFalse(QuantCodecs.of(t).canQuantize());
            assertThrows(UnsupportedOperationException.class, () -> quantize(t, new float[t.blockSize]));
        }
        assertFalse(QuantCodecs.supported(GgmlType.IQ2_XXS));
        UnsupportedTypeException e = assertThrows(UnsupportedTypeException.class, () -> QuantCodecs.of(GgmlType.IQ2_XXS));
        assertTrue(e.getMessage().contains("IQ2_XXS"), e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> QuantCodecs.of(GgmlType.Q4_K).dequantizeRow(MemorySegment.ofArray(new byte[144]), 0, new float[300], 0, 300));
        assertTrue(bad.getMessage().contains("Q4_K"), bad.getMessage());
    }
}
