package dev.quanta.kernels.quant;

import dev.quanta.kernels.GgmlType;

/**
 * Q5_0: blocks of 32 as (d: f16, qh: u32 LE, qs[16]); x = (q − 16)·d where q's low 4 bits are
 * the nibble (order as Q4_0) and bit 4 of element j is bit j of qh. Quantizer: ggml
 * quantize_row_q5_0_ref (d = max / −16).
 */
final class Q5_0Codec extends BlockCodec {
    Q5_0Codec() {
        super(GgmlType.Q5_0);
    }

    @Override
    void decodeBlock(byte[] b, float[] y, int yo) {
        float d = f16(b, 0);
        int qh = u32(b, 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(b, 6 + j);
            int h0 = ((qh >>> j) << 4) & 0x10;
            int h1 = (qh >>> (j + 12)) & 0x10;
            y[yo + j] = (((q & 0x0f) | h0) - 16) * d;
            y[yo + j + 16] = (((q >>> 4) | h1) - 16) * d;
        }
    }

    @Override
    void encodeBlock(float[] x, int xo, byte[] b, Scratch s) {
        float max = signedAbsMax(x, xo, 32);
        float d = max / -16;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, 0, d);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            float x0 = x[xo + j] * id;
            float x1 = x[xo + 16 + j] * id;
            int q0 = Math.min(31, (byte) (int) (x0 + 16.5f)) & 0xff;
            int q1 = Math.min(31, (byte) (int) (x1 + 16.5f)) & 0xff;
            b[6 + j] = (byte) ((q0 & 0x0f) | ((q1 & 0x0f) << 4));
            qh |= ((q0 & 0x10) >>> 4) << j;
            qh |= ((q1 & 0x10) >>> 4) << (j + 16);
        }
        putU32(b, 2, qh);
    }
}
