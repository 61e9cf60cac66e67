package dev.quanta.kernels.quant;

import static dev.quanta.kernels.quant.KQuantMath.GROUP_MAX_EPS;
import static dev.quanta.kernels.quant.KQuantMath.makeQxQuantsRmse1;
import static dev.quanta.kernels.quant.KQuantMath.nearestInt;

import dev.quanta.kernels.GgmlType;

/**
 * Q6_K: super-blocks of 256 as (ql[128], qh[64], scales: int8[16], d: f16); x = d·sc·(q − 32),
 * 16 sub-blocks of 16. In each half h (128 elements) with l &lt; 32: element l takes the low
 * nibble of ql[64h + l] and bits 0-1 of qh[32h + l]; l + 32 the low nibble of ql[64h + l + 32]
 * and bits 2-3; l + 64 the high nibble of ql[64h + l] and bits 4-5; l + 96 the high nibble of
 * ql[64h + l + 32] and bits 6-7. Quantizer: ggml quantize_row_q6_K_ref.
 */
final class Q6_KCodec extends BlockCodec {
    Q6_KCodec() {
        super(GgmlType.Q6_K);
    }

    private static final int QL = 0, QH = 128, SCALES = 192, D = 208;

    @Override
    void decodeBlock(byte[] b, float[] y, int yo) {
        float d = f16(b, D);
        for (int h = 0; h < 2; h++) {
            int ql = QL + 64 * h, qh = QH + 32 * h, sc = SCALES + 8 * h, o = yo + 128 * h;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int hb = u8(b, qh + l);
                int q1 = ((u8(b, ql + l) & 0xF) | ((hb & 3) << 4)) - 32;
                int q2 = ((u8(b, ql + l + 32) & 0xF) | (((hb >>> 2) & 3) << 4)) - 32;
                int q3 = ((u8(b, ql + l) >>> 4) | (((hb >>> 4) & 3) << 4)) - 32;
                int q4 = ((u8(b, ql + l + 32) >>> 4) | (((hb >>> 6) & 3) << 4)) - 32;
                y[o + l] = d * b[sc + is] * q1;
                y[o + l + 32] = d * b[sc + is + 2] * q2;
                y[o + l + 64] = d * b[sc + is + 4] * q3;
                y[o + l + 96] = d * b[sc + is + 6] * q4;
            }
        }
    }

    @Override
    void encodeBlock(float[] x, int xo, byte[] b, Scratch s) {
        byte[] L = s.L;
        float[] scales = s.scales;
        float maxScale = 0, maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = makeQxQuantsRmse1(16, 32, x, xo + 16 * ib, L, 16 * ib);
            scales[ib] = scale;
            float abs = Math.abs(scale);
            if (abs > maxAbsScale) {
                maxAbsScale = abs;
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) return; // the block stays all zero, d = 0
        float iscale = -128.f / maxScale;
        putF16(b, D, 1 / iscale);
        for (int ib = 0; ib < 16; ib++) b[SCALES + ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
        float dAll = f16(b, D);
        for (int j = 0; j < 16; j++) {
            float d = dAll * b[SCALES + j];
            if (d == 0) continue;
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt(x[xo + 16 * j + ii] / d);
                L[16 * j + ii] = (byte) (Math.max(-32, Math.min(31, l)) + 32);
            }
        }
        for (int j = 0; j < 256; j += 128) {
            int ql = QL + j / 2, qh = QH + j / 4;
            for (int l = 0; l < 32; l++) {
                int q1 = L[j + l] & 0xF, q2 = L[j + l + 32] & 0xF, q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
                b[ql + l] = (byte) (q1 | (q3 << 4));
                b[ql + l + 32] = (byte) (q2 | (q4 << 4));
                b[qh + l] = (byte) ((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
            }
        }
    }
}
