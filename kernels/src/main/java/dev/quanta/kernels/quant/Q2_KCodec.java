package dev.quanta.kernels.quant;

import static dev.quanta.kernels.quant.KQuantMath.makeQkx2Quants;
import static dev.quanta.kernels.quant.KQuantMath.nearestInt;

import dev.quanta.kernels.GgmlType;

/**
 * Q2_K: super-blocks of 256 as (scales[16], qs[64], d: f16, dmin: f16). Sub-block k (16 elements)
 * has scales[k] = sc | m&lt;&lt;4 and x = d·sc·q − dmin·m with q 2 bits. Element e's q sits in
 * qs[32·(e/128) + e%32] at bit 2·((e%128)/32). Quantizer: ggml quantize_row_q2_K_ref.
 */
final class Q2_KCodec extends BlockCodec {
    Q2_KCodec() {
        super(GgmlType.Q2_K);
    }

    private static final int QS = 16, D = 80, DMIN = 82;

    @Override
    void decodeBlock(byte[] b, float[] y, int yo) {
        float d = f16(b, D), min = f16(b, DMIN);
        for (int e = 0; e < 256; e++) {
            int sc = u8(b, e / 16);
            float dl = d * (sc & 0xF), ml = min * (sc >>> 4);
            int q = (u8(b, QS + 32 * (e / 128) + e % 32) >>> (2 * ((e % 128) / 32))) & 3;
            y[yo + e] = dl * q - ml;
        }
    }

    @Override
    void encodeBlock(float[] x, int xo, byte[] b, Scratch s) {
        byte[] L = s.L;
        float[] scales = s.scales, mins = s.mins, weights = s.weights;
        final float q4scale = 15.f;
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 16; j++) {
            for (int l = 0; l < 16; l++) weights[l] = Math.abs(x[xo + 16 * j + l]);
            scales[j] = makeQkx2Quants(16, 3, x, xo + 16 * j, weights, L, 16 * j, mins, j, s.Laux, -0.5f, 0.1f, 15, true);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        if (maxScale > 0) {
            float iscale = q4scale / maxScale;
            for (int j = 0; j < 16; j++) b[j] = (byte) nearestInt(iscale * scales[j]);
            putF16(b, D, maxScale / q4scale);
        } else {
            putF16(b, D, 0f);
        }
        if (maxMin > 0) {
            float iscale = q4scale / maxMin;
            for (int j = 0; j < 16; j++) b[j] |= (byte) (nearestInt(iscale * mins[j]) << 4);
            putF16(b, DMIN, maxMin / q4scale);
        } else {
            putF16(b, DMIN, 0f);
        }
        float dAll = f16(b, D), dminAll = f16(b, DMIN);
        for (int j = 0; j < 16; j++) {
            float d = dAll * (u8(b, j) & 0xF);
            if (d == 0) continue;
            float dm = dminAll * (u8(b, j) >>> 4);
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt((x[xo + 16 * j + ii] + dm) / d);
                L[16 * j + ii] = (byte) Math.max(0, Math.min(3, l));
            }
        }
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l++) {
                b[QS + j / 4 + l] = (byte) (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
            }
        }
    }
}
