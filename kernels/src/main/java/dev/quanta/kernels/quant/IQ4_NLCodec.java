package dev.quanta.kernels.quant;

import dev.quanta.kernels.GgmlType;

/**
 * IQ4_NL: blocks of 32 as (d: f16, qs[16]); x = d·KVALUES[q] with the non-linear 16-entry table
 * ggml calls kvalues_iq4nl, nibble order as Q4_0. Dequantize only (its quantizer is an
 * importance-aware search, not needed to run models).
 */
final class IQ4_NLCodec extends BlockCodec {
    /** ggml's kvalues_iq4nl: the 16 levels of IQ4_NL and IQ4_XS. */
    static final byte[] KVALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    IQ4_NLCodec() {
        super(GgmlType.IQ4_NL);
    }

    @Override
    public boolean canQuantize() {
        return false;
    }

    @Override
    void decodeBlock(byte[] b, float[] y, int yo) {
        float d = f16(b, 0);
        for (int j = 0; j < 16; j++) {
            int q = u8(b, 2 + j);
            y[yo + j] = d * KVALUES[q & 0xF];
            y[yo + j + 16] = d * KVALUES[q >>> 4];
        }
    }

    @Override
    void encodeBlock(float[] x, int xo, byte[] b, Scratch s) {
        throw new UnsupportedOperationException("no reference quantizer for IQ4_NL");
    }
}
