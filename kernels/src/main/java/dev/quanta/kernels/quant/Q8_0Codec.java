package dev.quanta.kernels.quant;

import static dev.quanta.kernels.quant.FloatCodecs.S;
import static dev.quanta.kernels.quant.FloatCodecs.f2h;
import static dev.quanta.kernels.quant.FloatCodecs.h2f;

import dev.quanta.kernels.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Q8_0: blocks of 32 as (d: f16, qs: int8[32]); x = q * d. */
final class Q8_0Codec implements QuantCodec {
    static final int QK = 32, BYTES = 34;

    public GgmlType type() { return GgmlType.Q8_0; }
    public boolean canQuantize() { return true; }

    public void dequantizeRow(MemorySegment src, long off, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BYTES;
            float d = h2f(src.get(S, p));
            for (int j = 0; j < QK; j++) dst[dstOff + b * QK + j] = src.get(ValueLayout.JAVA_BYTE, p + 2 + j) * d;
        }
    }

    public void quantizeRowRef(float[] x, int xOff, MemorySegment dst, long off, int n) {
        for (int b = 0; b < n / QK; b++) {
            float amax = 0;
            for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(x[xOff + b * QK + j]));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            long p = off + (long) b * BYTES;
            dst.set(S, p, f2h(d));
            for (int j = 0; j < QK; j++) dst.set(ValueLayout.JAVA_BYTE, p + 2 + j, (byte) FloatCodecs.roundf(x[xOff + b * QK + j] * id));
        }
    }
}
