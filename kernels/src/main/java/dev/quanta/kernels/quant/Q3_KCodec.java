package dev.quanta.kernels.quant;

import static dev.quanta.kernels.quant.KQuantMath.makeQ3QuantsRmse;
import static dev.quanta.kernels.quant.KQuantMath.nearestInt;

import dev.quanta.kernels.GgmlType;

/**
 * Q3_K: super-blocks of 256 as (hmask[32], qs[64], scales[12], d: f16). Sub-block k (16
 * elements) has a 6-bit scale sc (low 4 bits in scales[k] or scales[k−8]&gt;&gt;4, high 2 bits in
 * scales[8 + k%4] at bit 2·(k/4)); x = d·(sc − 32)·(q − (hbit ? 0 : 4)), q 2 bits placed as in
 * Q2_K, hbit = bit e/32 of hmask[e%32]. Quantizer: ggml quantize_row_q3_K_ref.
 */
final class Q3_KCodec extends BlockCodec {
    Q3_KCodec() {
        super(GgmlType.Q3_K);
    }

    private static final int HMASK = 0, QS = 32, SCALES = 96, D = 108;

    /** The 6-bit scale of sub-block k, minus 32. */
    private static int scale(byte[] b, int k) {
        int lo = k < 8 ? u8(b, SCALES + k) & 0xF : u8(b, SCALES + k - 8) >>> 4;
        int hi = (u8(b, SCALES + 8 + k % 4) >>> (2 * (k / 4))) & 3;
        return (lo | hi << 4) - 32;
    }

    @Override
    void decodeBlock(byte[] b, float[] y, int yo) {
        float dAll = f16(b, D);
        for (int k = 0; k < 16; k++) {
            float dl = dAll * scale(b, k);
            for (int r = 0; r < 16; r++) {
                int e = 16 * k + r;
                int q = (u8(b, QS + 32 * (e / 128) + e % 32) >>> (2 * ((e % 128) / 32))) & 3;
                int h = (u8(b, HMASK + e % 32) >>> (e / 32)) & 1;
                y[yo + e] = dl * (q - (h != 0 ? 0 : 4));
            }
        }
    }

    @Override
    void encodeBlock(float[] x, int xo, byte[] b, Scratch s) {
        byte[] L = s.L;
        float[] scales = s.scales;
        float maxScale = 0, amax = 0;
        for (int j = 0; j < 16; j++) {
            scales[j] = makeQ3QuantsRmse(16, 4, x, xo + 16 * j, L, 16 * j);
            float scale = Math.abs(scales[j]);
            if (scale > amax) {
                amax = scale;
                maxScale = scales[j];
            }
        }
        if (maxScale != 0) {
            float iscale = -32.f / maxScale;
            for (int j = 0; j < 16; j++) {
                byte l8 = (byte) nearestInt(iscale * scales[j]);
                int l = Math.max(-32, Math.min(31, l8)) + 32;
                if (j < 8) b[SCALES + j] = (byte) (l & 0xF);
                else b[SCALES + j - 8] |= (byte) ((l & 0xF) << 4);
                l >>= 4;
                b[SCALES + j % 4 + 8] |= (byte) (l << (2 * (j / 4)));
            }
            putF16(b, D, 1 / iscale);
        } else {
            putF16(b, D, 0f);
        }
        float dAll = f16(b, D);
        for (int j = 0; j < 16; j++) {
            float d = dAll * scale(b, j);
            if (d == 0) continue;
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt(x[xo + 16 * j + ii] / d);
                L[16 * j + ii] = (byte) (Math.max(-4, Math.min(3, l)) + 4);
            }
        }
        // high bit of the first 32 quants in bit 0 of hmask[0..31], the next 32 in bit 1, ...
        for (int j = 0; j < 256; j++) {
            if (L[j] > 3) {
                b[HMASK + j % 32] |= (byte) (1 << (j / 32));
                L[j] -= 4;
            }
        }
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l++) {
                b[QS + j / 4 + l] = (byte) (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
            }
        }
    }
}
