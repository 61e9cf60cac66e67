package dev.quanta.kernels.quant;

import static dev.quanta.kernels.quant.KQuantMath.makeQkx2Quants;
import static dev.quanta.kernels.quant.KQuantMath.minK4;
import static dev.quanta.kernels.quant.KQuantMath.nearestInt;
import static dev.quanta.kernels.quant.KQuantMath.scaleK4;

import dev.quanta.kernels.GgmlType;

/**
 * Q4_K: super-blocks of 256 as (d: f16, dmin: f16, scales[12], qs[128]): 8 sub-blocks of 32 with
 * a 6-bit scale sc and min m each (packed as get_scale_min_k4 reads them); x = d·sc·q − dmin·m.
 * Element 64·c + r (r &lt; 32) is the low nibble of qs[32·c + r], 64·c + 32 + r its high nibble.
 * Quantizer: ggml quantize_row_q4_K_ref.
 */
final class Q4_KCodec extends BlockCodec {
    Q4_KCodec() {
        super(GgmlType.Q4_K);
    }

    static final int D = 0, DMIN = 2, SCALES = 4, QS = 16;

    @Override
    void decodeBlock(byte[] b, float[] y, int yo) {
        float d = f16(b, D), min = f16(b, DMIN);
        for (int c = 0; c < 4; c++) {
            float d1 = d * scaleK4(2 * c, b, SCALES), m1 = min * minK4(2 * c, b, SCALES);
            float d2 = d * scaleK4(2 * c + 1, b, SCALES), m2 = min * minK4(2 * c + 1, b, SCALES);
            int o = yo + 64 * c;
            for (int l = 0; l < 32; l++) {
                int q = u8(b, QS + 32 * c + l);
                y[o + l] = d1 * (q & 0xF) - m1;
                y[o + 32 + l] = d2 * (q >>> 4) - m2;
            }
        }
    }

    @Override
    void encodeBlock(float[] x, int xo, byte[] b, Scratch s) {
        byte[] L = s.L;
        float maxScale = chooseSubBlockScales(x, xo, s, 15, -1f, 0.1f, 20);
        packScalesAndQuantize(x, xo, b, s, maxScale, 15);
        for (int j = 0; j < 256; j += 64) {
            for (int l = 0; l < 32; l++) b[QS + j / 2 + l] = (byte) (L[j + l] | (L[j + l + 32] << 4));
        }
    }

    /**
     * The shared first half of Q4_K/Q5_K quantization: for each sub-block of 32, weights
     * sqrt(mean x²) + |x| and make_qkx2_quants give its scale (s.scales) and min (s.mins).
     * Returns the largest scale; {@code s.maxMin} receives the largest min.
     */
    static float chooseSubBlockScales(float[] x, int xo, Scratch s, int nmax, float rmin, float rdelta, int nstep) {
        float[] weights = s.weights, scales = s.scales, mins = s.mins;
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            int o = xo + 32 * j;
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[o + l] * x[o + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[o + l]);
            scales[j] = makeQkx2Quants(32, nmax, x, o, weights, s.L, 32 * j, mins, j, s.Laux, rmin, rdelta, nstep, false);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        s.maxMin = maxMin;
        return maxScale;
    }

    /**
     * The shared second half: 6-bit scales and mins relative to the largest of each, d and dmin,
     * then every element re-quantized against its rounded sub-block scale and min into s.L.
     */
    static void packScalesAndQuantize(float[] x, int xo, byte[] b, Scratch s, float maxScale, int nmax) {
        float[] scales = s.scales, mins = s.mins;
        float maxMin = s.maxMin;
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xff);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xff);
            if (j < 4) {
                b[SCALES + j] = (byte) ls;
                b[SCALES + j + 4] = (byte) lm;
            } else {
                b[SCALES + j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
                b[SCALES + j - 4] |= (byte) ((ls >> 4) << 6);
                b[SCALES + j] |= (byte) ((lm >> 4) << 6);
            }
        }
        putF16(b, D, maxScale / 63.f);
        putF16(b, DMIN, maxMin / 63.f);
        float dAll = f16(b, D), dminAll = f16(b, DMIN);
        for (int j = 0; j < 8; j++) {
            float d = dAll * scaleK4(j, b, SCALES);
            if (d == 0) continue;
            float dm = dminAll * minK4(j, b, SCALES);
            for (int ii = 0; ii < 32; ii++) {
                int l = nearestInt((x[xo + 32 * j + ii] + dm) / d);
                s.L[32 * j + ii] = (byte) Math.max(0, Math.min(nmax, l));
            }
        }
    }
}
