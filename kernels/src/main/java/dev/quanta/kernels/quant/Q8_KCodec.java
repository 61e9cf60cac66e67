package dev.quanta.kernels.quant;

import static dev.quanta.kernels.quant.KQuantMath.nearestInt;

import dev.quanta.kernels.GgmlType;

/**
 * Q8_K: super-blocks of 256 as (d: f32, qs: int8[256], bsums: int16[16]); x = d·q, bsums[k] the
 * sum of qs[16k..16k+16). Activations of the K-quant and IQ4_XS dots only. Quantizer: ggml
 * quantize_row_q8_K_ref (d = max/−127 with max the signed element of largest magnitude). An
 * all-zero block gets d = 0 and zero quants; ggml leaves its bsums unwritten, we write zeros.
 */
final class Q8_KCodec extends BlockCodec {
    Q8_KCodec() {
        super(GgmlType.Q8_K);
    }

    private static final int D = 0, QS = 4, BSUMS = 260;

    @Override
    void decodeBlock(byte[] b, float[] y, int yo) {
        float d = Float.intBitsToFloat(u32(b, D));
        for (int j = 0; j < 256; j++) y[yo + j] = d * b[QS + j];
    }

    @Override
    void encodeBlock(float[] x, int xo, byte[] b, Scratch s) {
        float max = 0, amax = 0;
        for (int j = 0; j < 256; j++) {
            float ax = Math.abs(x[xo + j]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + j];
            }
        }
        if (amax == 0) return; // all zero
        float iscale = -127.f / max;
        for (int j = 0; j < 256; j++) b[QS + j] = (byte) Math.min(127, nearestInt(iscale * x[xo + j]));
        for (int k = 0; k < 16; k++) {
            int sum = 0;
            for (int ii = 0; ii < 16; ii++) sum += b[QS + 16 * k + ii];
            b[BSUMS + 2 * k] = (byte) sum;
            b[BSUMS + 2 * k + 1] = (byte) (sum >> 8);
        }
        putU32(b, D, Float.floatToRawIntBits(1 / iscale));
    }
}
