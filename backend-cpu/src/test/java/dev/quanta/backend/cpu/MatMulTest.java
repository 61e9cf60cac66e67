package dev.quanta.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.kernels.testing.TestData;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * MUL_MAT of every weight type the CPU kernels support, against the reference codecs'
 * dequantized weights and a double-precision dot, on awkward shapes (1 row, primes, batch
 * 1..9 so that both the 4-row GEMM tile and its tail run, k from one block to many).
 */
class MatMulTest {
    static final int[][] SHAPES = { // k, n, m
        {32, 1, 1}, {64, 7, 1}, {96, 33, 3}, {256, 17, 4}, {160, 13, 5}, {512, 65, 9}, {4096, 3, 2}, {288, 31, 13},
        {8192, 5, 1}, {8224, 3, 2}, // long rows (the int8 activation row of Q8_0's GEMV), an odd block count
    };
    /** Shapes for super-block types (k a multiple of 256). */
    static final int[][] K_SHAPES = { // k, n, m
        {256, 1, 1}, {256, 17, 4}, {512, 65, 9}, {768, 7, 2}, {4096, 3, 2}, {2048, 33, 13},
    };

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void matchesReference(GgmlType type) {
        Random rnd = new Random(TestData.seed("MatMulTest." + type, 42));
        try (Stream s = CpuTestSupport.DEVICE.openStream()) {
            for (int[] sh : type.blockSize == 256 ? K_SHAPES : SHAPES) {
                int k = sh[0], n = sh[1], m = sh[2];
                float[] wf = CpuTestSupport.randn(rnd, k * n, 1f);
                float[] xf = CpuTestSupport.randn(rnd, k * m, 2f);
                Tensor w = CpuTestSupport.storage("w", type, wf, k, n);
                float[] wd = CpuTestSupport.roundTrip(type, wf, k);
                // below Gemm.MIN_M rows quantized weights meet Q8_0 (K-quants: Q8_K) activations, as in
                // ggml: the exact reference uses them; from MIN_M rows on the GEMM keeps F32 activations
                GgmlType actType = type.blockSize == 256 ? GgmlType.Q8_K : GgmlType.Q8_0;
                float[] xd = type.isQuantized() && !Gemm.handles(m) ? CpuTestSupport.roundTrip(actType, xf, k) : xf;
                Graph g = new Graph();
                Tensor x = g.input("x", GgmlType.F32, k, m).setFloats(xf);
                Tensor y = g.mulMat(w, x).markOutput();
                s.compute(g);
                float[] out = new float[n * m];
                s.readFloats(y, out);
                double[] exact = new double[n * m], ideal = new double[n * m];
                for (int j = 0; j < m; j++)
                    for (int i = 0; i < n; i++) {
                        double e = 0, id = 0;
                        for (int e0 = 0; e0 < k; e0++) {
                            e += (double) wd[i * k + e0] * xd[j * k + e0];
                            id += (double) wf[i * k + e0] * xf[j * k + e0];
                        }
                        exact[j * n + i] = e;
                        ideal[j * n + i] = id;
                    }
                double nm = CpuTestSupport.nmse(out, exact);
                String what = type + " k=" + k + " n=" + n + " m=" + m;
                assertTrue(nm < 1e-9, what + ": NMSE vs reference " + nm);
                // and the quantization error itself stays in the expected range
                double budget = switch (type) { case F32 -> 1e-10; case F16 -> 1e-5; case BF16 -> 1e-4; case Q8_0 -> 1e-3; case Q6_K -> 3e-3; case Q5_K -> 1e-2; default -> 6e-2; };
                double ni = CpuTestSupport.nmse(out, ideal);
                assertTrue(ni < budget, what + ": NMSE vs float math " + ni + " over " + budget);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F16", "Q4_0"})
    void stridedActivationsAndWeightRowView(GgmlType type) {
        Random rnd = new Random(TestData.seed("MatMulTest.strided." + type, 7));
        int k = 64, n = 9, m = 6, wide = 3 * k;
        float[] wf = CpuTestSupport.randn(rnd, k * n, 1f);
        float[] xf = CpuTestSupport.randn(rnd, wide * m, 1f);
        Tensor w = CpuTestSupport.storage("w", type, wf, k, n);
        float[] wd = CpuTestSupport.roundTrip(type, wf, k);
        try (Stream s = CpuTestSupport.DEVICE.openStream()) {
            Graph g = new Graph();
            Tensor xAll = g.input("xAll", GgmlType.F32, wide, m).setFloats(xf);
            Tensor x = g.cols(xAll, k, k); // the middle third of each row: rows strided by 3k floats
            Tensor wRows = g.rows(w, 2, 5);
            Tensor y = g.mulMat(wRows, x).markOutput();
            s.compute(g);
            float[] out = new float[5 * m];
            s.readFloats(y, out);
            double[] ref = new double[5 * m];
            for (int j = 0; j < m; j++)
                for (int i = 0; i < 5; i++) {
                    double e = 0;
                    for (int c = 0; c < k; c++) e += (double) wd[(i + 2) * k + c] * xf[j * wide + k + c];
                    ref[j * 5 + i] = e;
                }
            double nm = CpuTestSupport.nmse(out, ref);
            assertTrue(nm < (type.isQuantized() ? 1e-3 : 1e-9), "NMSE " + nm);
            assertEquals(5 * m, y.nelements());
        }
    }

    /**
     * IQ4_NL has no reference quantizer: random blocks (f16 scale, random nibbles) decoded by the
     * reference codec, against the Q8_0 round trip of x.
     */
    @org.junit.jupiter.api.Test
    void iq4nlMatchesReference() {
        Random rnd = new Random(TestData.seed("MatMulTest.IQ4_NL", 11));
        GgmlType type = GgmlType.IQ4_NL;
        dev.quanta.kernels.quant.QuantCodec codec = dev.quanta.kernels.quant.QuantCodecs.of(type);
        try (Stream s = CpuTestSupport.DEVICE.openStream()) {
            for (int[] sh : SHAPES) {
                int k = sh[0], n = sh[1], m = sh[2];
                long rb = type.rowBytes(k);
                java.lang.foreign.MemorySegment seg = java.lang.foreign.Arena.ofAuto().allocate(rb * n + 64, 64);
                for (long b = 0; b < rb * n; b += 18) {
                    seg.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, b, Float.floatToFloat16((float) (0.005 + 0.02 * rnd.nextDouble())));
                    for (int i = 0; i < 16; i++) seg.set(java.lang.foreign.ValueLayout.JAVA_BYTE, b + 2 + i, (byte) rnd.nextInt(256));
                }
                float[] wd = new float[k * n];
                for (int r = 0; r < n; r++) codec.dequantizeRow(seg, r * rb, wd, r * k, k);
                Tensor w = Tensor.storage("w", type, CpuTestSupport.DEVICE.wrapHost(seg, "w"), 0, k, n);
                float[] xf = CpuTestSupport.randn(rnd, k * m, 2f);
                float[] xd = !Gemm.handles(m) ? CpuTestSupport.roundTrip(GgmlType.Q8_0, xf, k) : xf; // the GEMM keeps F32 activations
                Graph g = new Graph();
                Tensor x = g.input("x", GgmlType.F32, k, m).setFloats(xf);
                Tensor y = g.mulMat(w, x).markOutput();
                s.compute(g);
                float[] out = new float[n * m];
                s.readFloats(y, out);
                double[] exact = new double[n * m];
                for (int j = 0; j < m; j++)
                    for (int i = 0; i < n; i++) {
                        double e = 0;
                        for (int e0 = 0; e0 < k; e0++) e += (double) wd[i * k + e0] * xd[j * k + e0];
                        exact[j * n + i] = e;
                    }
                double nm = CpuTestSupport.nmse(out, exact);
                assertTrue(nm < 1e-9, "IQ4_NL k=" + k + " n=" + n + " m=" + m + ": NMSE vs reference " + nm);
            }
        }
    }
}
