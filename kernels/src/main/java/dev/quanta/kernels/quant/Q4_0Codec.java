package dev.quanta.kernels.quant;

import static dev.quanta.kernels.quant.FloatCodecs.S;
import static dev.quanta.kernels.quant.FloatCodecs.f2h;
import static dev.quanta.kernels.quant.FloatCodecs.h2f;

import dev.quanta.kernels.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Q4_0: blocks of 32 as (d: f16, qs[16]); x = (nibble - 8) * d, low nibbles first half. */
final class Q4_0Codec implements QuantCodec {
    static final int QK = 32, BYTES = 18;

    public GgmlType type() { return GgmlType.Q4_0; }
    public boolean canQuantize() { return true; }

    public void dequantizeRow(MemorySegment src, long off, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BYTES;
            float d = h2f(src.get(S, p));
            int o = dstOff + b * QK;
            for (int j = 0; j < 16; j++) {
                int q = src.get(ValueLayout.JAVA_BYTE, p + 2 + j) & 0xff;
                dst[o + j] = ((q & 0x0f) - 8) * d;
                dst[o + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }

    /** ggml quantize_row_q4_0_ref: d = max / -8 where max is the signed value of largest magnitude. */
    public void quantizeRowRef(float[] x, int xOff, MemorySegment dst, long off, int n) {
        for (int b = 0; b < n / QK; b++) {
            int o = xOff + b * QK;
            float amax = 0, max = 0;
            for (int j = 0; j < QK; j++) {
                float v = x[o + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8f;
            float id = d != 0 ? 1f / d : 0f;
            long p = off + (long) b * BYTES;
            dst.set(S, p, f2h(d));
            for (int j = 0; j < 16; j++) {
                float x0 = x[o + j] * id, x1 = x[o + 16 + j] * id;
                int q0 = Math.min(15, (int) (x0 + 8.5f));
                int q1 = Math.min(15, (int) (x1 + 8.5f));
                dst.set(ValueLayout.JAVA_BYTE, p + 2 + j, (byte) (q0 | (q1 << 4)));
            }
        }
    }
}
