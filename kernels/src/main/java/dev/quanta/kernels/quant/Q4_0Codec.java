package dev.quanta.kernels.quant;

import dev.quanta.kernels.GgmlType;

/**
 * Q4_0: blocks of 32 as (d: f16, qs[16]); x = (q − 8)·d, element j &lt; 16 in the low nibble of
 * qs[j], element j ≥ 16 in the high nibble of qs[j − 16]. Quantizer: ggml quantize_row_q4_0_ref.
 */
final class Q4_0Codec extends BlockCodec {
    Q4_0Codec() {
        super(GgmlType.Q4_0);
    }

    @Override
    void decodeBlock(byte[] b, float[] y, int yo) {
        float d = f16(b, 0);
        for (int j = 0; j < 16; j++) {
            int q = u8(b, 2 + j);
            y[yo + j] = ((q & 0x0f) - 8) * d;
            y[yo + j + 16] = ((q >>> 4) - 8) * d;
        }
    }

    /** d = max / −8 where max is the signed element of largest magnitude; q = min(15, (int8)(x/d + 8.5)). */
    @Override
    void encodeBlock(float[] x, int xo, byte[] b, Scratch s) {
        float max = signedAbsMax(x, xo, 32);
        float d = max / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, 0, d);
        for (int j = 0; j < 16; j++) {
            float x0 = x[xo + j] * id;
            float x1 = x[xo + 16 + j] * id;
            int q0 = Math.min(15, (byte) (int) (x0 + 8.5f)) & 0xff;
            int q1 = Math.min(15, (byte) (int) (x1 + 8.5f)) & 0xff;
            b[2 + j] = (byte) (q0 | (q1 << 4));
        }
    }
}
