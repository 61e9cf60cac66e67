package dev.quanta.kernels.quant;

import static dev.quanta.kernels.quant.KQuantMath.minK4;
import static dev.quanta.kernels.quant.KQuantMath.scaleK4;

import dev.quanta.kernels.GgmlType;

/**
 * Q5_K: super-blocks of 256 as (d: f16, dmin: f16, scales[12], qh[32], qs[128]): as Q4_K with a
 * fifth bit per element, element 64·c + r (r &lt; 32) in bit 2·c of qh[r], 64·c + 32 + r in bit
 * 2·c + 1. Quantizer: ggml quantize_row_q5_K_ref.
 */
final class Q5_KCodec extends BlockCodec {
    Q5_KCodec() {
        super(GgmlType.Q5_K);
    }

    private static final int D = 0, DMIN = 2, SCALES = 4, QH = 16, QS = 48;

    @Override
    void decodeBlock(byte[] b, float[] y, int yo) {
        float d = f16(b, D), min = f16(b, DMIN);
        for (int c = 0; c < 4; c++) {
            float d1 = d * scaleK4(2 * c, b, SCALES), m1 = min * minK4(2 * c, b, SCALES);
            float d2 = d * scaleK4(2 * c + 1, b, SCALES), m2 = min * minK4(2 * c + 1, b, SCALES);
            int u1 = 1 << (2 * c), u2 = 2 << (2 * c);
            int o = yo + 64 * c;
            for (int l = 0; l < 32; l++) {
                int q = u8(b, QS + 32 * c + l), h = u8(b, QH + l);
                y[o + l] = d1 * ((q & 0xF) + ((h & u1) != 0 ? 16 : 0)) - m1;
                y[o + 32 + l] = d2 * ((q >>> 4) + ((h & u2) != 0 ? 16 : 0)) - m2;
            }
        }
    }

    @Override
    void encodeBlock(float[] x, int xo, byte[] b, Scratch s) {
        byte[] L = s.L;
        float maxScale = Q4_KCodec.chooseSubBlockScales(x, xo, s, 31, -0.5f, 0.1f, 15);
        Q4_KCodec.packScalesAndQuantize(x, xo, b, s, maxScale, 31);
        int m1 = 1, m2 = 2;
        for (int n = 0; n < 256; n += 64) {
            for (int j = 0; j < 32; j++) {
                int l1 = L[n + j];
                if (l1 > 15) {
                    l1 -= 16;
                    b[QH + j] |= (byte) m1;
                }
                int l2 = L[n + j + 32];
                if (l2 > 15) {
                    l2 -= 16;
                    b[QH + j] |= (byte) m2;
                }
                b[QS + n / 2 + j] = (byte) (l1 | (l2 << 4));
            }
            m1 <<= 2;
            m2 <<= 2;
        }
    }
}
