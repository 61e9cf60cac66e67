package dev.quanta.kernels.quant;

import dev.quanta.kernels.GgmlType;

/**
 * Q5_1: blocks of 32 as (d: f16, m: f16, qh: u32 LE, qs[16]); x = q·d + m with q as in Q5_0.
 * Quantizer: ggml quantize_row_q5_1_ref (d = (max − min)/31, m = min).
 */
final class Q5_1Codec extends BlockCodec {
    Q5_1Codec() {
        super(GgmlType.Q5_1);
    }

    @Override
    void decodeBlock(byte[] b, float[] y, int yo) {
        float d = f16(b, 0), m = f16(b, 2);
        int qh = u32(b, 4);
        for (int j = 0; j < 16; j++) {
            int q = u8(b, 8 + j);
            int h0 = ((qh >>> j) << 4) & 0x10;
            int h1 = (qh >>> (j + 12)) & 0x10;
            y[yo + j] = ((q & 0x0f) | h0) * d + m;
            y[yo + j + 16] = ((q >>> 4) | h1) * d + m;
        }
    }

    @Override
    void encodeBlock(float[] x, int xo, byte[] b, Scratch s) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / 31;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, 0, d);
        putF16(b, 2, min);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            float x0 = (x[xo + j] - min) * id;
            float x1 = (x[xo + 16 + j] - min) * id;
            int q0 = ((int) (x0 + 0.5f)) & 0xff;
            int q1 = ((int) (x1 + 0.5f)) & 0xff;
            b[8 + j] = (byte) ((q0 & 0x0f) | ((q1 & 0x0f) << 4));
            qh |= ((q0 & 0x10) >>> 4) << j;
            qh |= ((q1 & 0x10) >>> 4) << (j + 16);
        }
        putU32(b, 4, qh);
    }
}
