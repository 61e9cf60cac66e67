package dev.quanta.backend.cpu;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.DeviceBuffer;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.kernels.quant.QuantCodec;
import dev.quanta.kernels.quant.QuantCodecs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/** Shared helpers of the CPU tests: seeded data, quantized storage tensors, error metrics. */
final class CpuTestSupport {
    private CpuTestSupport() {}

    static final CpuDevice DEVICE = new CpuDevice(Math.max(2, Runtime.getRuntime().availableProcessors()));

    static float[] randn(Random r, int n, float scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian() * scale;
        return x;
    }

    /** A storage tensor [k, rows] of {@code type} holding {@code data} quantized with the reference codec. */
    static Tensor storage(String name, GgmlType type, float[] data, long k, long rows) {
        QuantCodec c = QuantCodecs.of(type);
        long rb = type.rowBytes(k);
        MemorySegment seg = Arena.ofAuto().allocate(rb * rows + 64, 64);
        for (long r = 0; r < rows; r++) c.quantizeRowRef(data, (int) (r * k), seg, r * rb, (int) k);
        DeviceBuffer buf = DEVICE.wrapHost(seg, name);
        return Tensor.storage(name, type, buf, 0, k, rows);
    }

    /** The values the reference codec decodes from {@code type}-quantized data. */
    static float[] roundTrip(GgmlType type, float[] data, int k) {
        QuantCodec c = QuantCodecs.of(type);
        int rows = data.length / k;
        long rb = type.rowBytes(k);
        MemorySegment seg = Arena.ofAuto().allocate(rb * rows);
        float[] out = new float[data.length];
        for (int r = 0; r < rows; r++) {
            c.quantizeRowRef(data, r * k, seg, r * rb, k);
            c.dequantizeRow(seg, r * rb, out, r * k, k);
        }
        return out;
    }

    /** Normalized mean squared error sum((a-b)^2) / sum(b^2); fails on NaN/Inf in {@code a}. */
    static double nmse(float[] a, double[] ref) {
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            if (!Float.isFinite(a[i])) return Double.POSITIVE_INFINITY;
            double d = a[i] - ref[i];
            num += d * d;
            den += ref[i] * ref[i];
        }
        return den == 0 ? num : num / den;
    }
}
