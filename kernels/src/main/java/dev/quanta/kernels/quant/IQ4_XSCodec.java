package dev.quanta.kernels.quant;

import dev.quanta.kernels.GgmlType;

/**
 * IQ4_XS: super-blocks of 256 as (d: f16, scales_h: u16, scales_l[4], qs[128]): 8 sub-blocks of
 * 32 with a 6-bit scale ls (low 4 bits: nibble k%2 of scales_l[k/2]; high 2 bits: bits 2k..2k+1
 * of scales_h); x = d·(ls − 32)·KVALUES[q], nibble order within a sub-block as Q4_0.
 * Dequantize only.
 */
final class IQ4_XSCodec extends BlockCodec {
    IQ4_XSCodec() {
        super(GgmlType.IQ4_XS);
    }

    private static final int D = 0, SCALES_H = 2, SCALES_L = 4, QS = 8;

    @Override
    public boolean canQuantize() {
        return false;
    }

    @Override
    void decodeBlock(byte[] b, float[] y, int yo) {
        float d = f16(b, D);
        int scalesH = u8(b, SCALES_H) | u8(b, SCALES_H + 1) << 8;
        for (int ib = 0; ib < 8; ib++) {
            int ls = ((u8(b, SCALES_L + ib / 2) >>> (4 * (ib % 2))) & 0xF) | (((scalesH >>> (2 * ib)) & 3) << 4);
            float dl = d * (ls - 32);
            for (int j = 0; j < 16; j++) {
                int q = u8(b, QS + 16 * ib + j);
                y[yo + 32 * ib + j] = dl * IQ4_NLCodec.KVALUES[q & 0xF];
                y[yo + 32 * ib + j + 16] = dl * IQ4_NLCodec.KVALUES[q >>> 4];
            }
        }
    }

    @Override
    void encodeBlock(float[] x, int xo, byte[] b, Scratch s) {
        throw new UnsupportedOperationException("no reference quantizer for IQ4_XS");
    }
}
