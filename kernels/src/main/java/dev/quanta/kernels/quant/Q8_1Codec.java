package dev.quanta.kernels.quant;

import dev.quanta.kernels.GgmlType;

/**
 * Q8_1: blocks of 32 as (d: f16, s: f16, qs: int8[32]); x = q·d and s = d·Σq (the block sum the
 * Q4_1/Q5_1 dots use for the min term). Activations only. Quantizer: ggml quantize_row_q8_1_ref.
 */
final class Q8_1Codec extends BlockCodec {
    Q8_1Codec() {
        super(GgmlType.Q8_1);
    }

    @Override
    void decodeBlock(byte[] b, float[] y, int yo) {
        float d = f16(b, 0);
        for (int j = 0; j < 32; j++) y[yo + j] = b[4 + j] * d;
    }

    @Override
    void encodeBlock(float[] x, int xo, byte[] b, Scratch s) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[xo + j]));
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, 0, d);
        int sum = 0;
        for (int j = 0; j < 32; j++) {
            byte q = (byte) FloatCodecs.roundf(x[xo + j] * id);
            b[4 + j] = q;
            sum += q;
        }
        putF16(b, 2, sum * d);
    }
}
