package dev.quanta.kernels.quant;

import dev.quanta.kernels.GgmlType;

/**
 * Q8_0: blocks of 32 as (d: f16, qs: int8[32]); x = q·d. Quantizer: ggml quantize_row_q8_0_ref
 * (d = amax/127, q = roundf(x/d), half away from zero). Also the activation format of Q4_0, Q5_0,
 * Q8_0 and IQ4_NL dots.
 */
final class Q8_0Codec extends BlockCodec {
    Q8_0Codec() {
        super(GgmlType.Q8_0);
    }

    @Override
    void decodeBlock(byte[] b, float[] y, int yo) {
        float d = f16(b, 0);
        for (int j = 0; j < 32; j++) y[yo + j] = b[2 + j] * d;
    }

    @Override
    void encodeBlock(float[] x, int xo, byte[] b, Scratch s) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[xo + j]));
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, 0, d);
        for (int j = 0; j < 32; j++) b[2 + j] = (byte) FloatCodecs.roundf(x[xo + j] * id);
    }
}
