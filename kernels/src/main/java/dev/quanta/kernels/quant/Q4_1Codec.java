package dev.quanta.kernels.quant;

import dev.quanta.kernels.GgmlType;

/**
 * Q4_1: blocks of 32 as (d: f16, m: f16, qs[16]); x = q·d + m, nibble order as Q4_0.
 * Quantizer: ggml quantize_row_q4_1_ref (d = (max − min)/15, m = min).
 */
final class Q4_1Codec extends BlockCodec {
    Q4_1Codec() {
        super(GgmlType.Q4_1);
    }

    @Override
    void decodeBlock(byte[] b, float[] y, int yo) {
        float d = f16(b, 0), m = f16(b, 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(b, 4 + j);
            y[yo + j] = (q & 0x0f) * d + m;
            y[yo + j + 16] = (q >>> 4) * d + m;
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
        float d = (max - min) / 15;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, 0, d);
        putF16(b, 2, min);
        for (int j = 0; j < 16; j++) {
            float x0 = (x[xo + j] - min) * id;
            float x1 = (x[xo + 16 + j] - min) * id;
            int q0 = Math.min(15, (byte) (int) (x0 + 0.5f)) & 0xff;
            int q1 = Math.min(15, (byte) (int) (x1 + 0.5f)) & 0xff;
            b[4 + j] = (byte) (q0 | (q1 << 4));
        }
    }
}
