package dev.quanta.backend.cpu;

import static dev.quanta.backend.cpu.Simd.F;
import static dev.quanta.backend.cpu.Simd.FL;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The prefill GEMM, Y[m][n] = X[m][k]·W[n][k]ᵀ for m of {@link #MIN_M} rows and more: each thread
 * decodes {@link #GROUP} weight rows at a time to F32 ({@link RowDecoder}, once per group, shared
 * by all m activation rows), then runs a 4×4 register tile — four weight rows against four
 * activation rows, 16 vector accumulators, 8 loads per 16 FMAs — over the whole k.
 *
 * <p>Why float and not the Q8 integer dots of {@link DotKernels}: the Vector API has no int8 or
 * int16 dot-product instruction (VNNI's vpdpbusd, vpmaddwd), so an integer product costs a
 * multiply, a widening and an add per lane pair, while a float FMA does 16 multiply-adds in one
 * instruction. Decoding costs a few instructions per weight, paid once for all m rows. The
 * activations stay F32 (no Q8 rounding), so prefill is as exact as the reference.
 */
final class Gemm {
    /** Weight rows decoded at once per thread. */
    static final int GROUP = 16;
    /** Below this many activation rows the integer GEMV/dot4 kernels win (decoding is not amortized). */
    static final int MIN_M = Integer.getInteger("quanta.cpu.gemmMinRows", 8);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Gemm() {}

    /** True when a MUL_MAT of m activation rows runs here, with F32 activations (not in scalar mode). */
    static boolean handles(int m) {
        return !Simd.SCALAR && m >= MIN_M;
    }

    /**
     * Rows [i0, i1) of Y: weight row i at w[wOff + i·stride] (decoded by {@code dec}), activations
     * x[j·k ..] for j < m, results at y[yOff + (j·n + i)·4]. {@code scratch} holds GROUP·k floats,
     * {@code out} 16.
     */
    static void rows(RowDecoder dec, MemorySegment w, long wOff, long stride, int n, int k, int m,
                     float[] x, MemorySegment y, long yOff, int i0, int i1, float[] scratch, float[] out) {
        for (int g = i0; g < i1; g += GROUP) {
            int gn = Math.min(GROUP, i1 - g);
            for (int r = 0; r < gn; r++) dec.decode(w, wOff + (g + r) * stride, k, scratch, r * k);
            int j = 0;
            for (; j + 4 <= m; j += 4) {
                int r = 0;
                for (; r + 4 <= gn; r += 4) {
                    tile4x4(scratch, r * k, x, j * k, k, out);
                    for (int c = 0; c < 4; c++) {
                        long p = yOff + ((long) (j + c) * n + g + r) * 4;
                        y.set(F32, p, out[c]);
                        y.set(F32, p + 4, out[4 + c]);
                        y.set(F32, p + 8, out[8 + c]);
                        y.set(F32, p + 12, out[12 + c]);
                    }
                }
                for (; r < gn; r++)
                    for (int c = 0; c < 4; c++) y.set(F32, yOff + ((long) (j + c) * n + g + r) * 4, dot(scratch, r * k, x, (j + c) * k, k));
            }
            for (; j < m; j++)
                for (int r = 0; r < gn; r++) y.set(F32, yOff + ((long) j * n + g + r) * 4, dot(scratch, r * k, x, j * k, k));
        }
    }

    /** out[4·r + c] = dot(w row r, x row c), rows of k floats from w[wo], x[xo]. Flat: C2 keeps the 16 accumulators in registers. */
    static void tile4x4(float[] w, int wo, float[] x, int xo, int k, float[] out) {
        int w1 = wo + k, w2 = w1 + k, w3 = w2 + k, x1 = xo + k, x2 = x1 + k, x3 = x2 + k;
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int i = 0;
        for (int bound = k - FL; i <= bound; i += FL) {
            FloatVector a0 = FloatVector.fromArray(F, x, xo + i), a1 = FloatVector.fromArray(F, x, x1 + i);
            FloatVector a2 = FloatVector.fromArray(F, x, x2 + i), a3 = FloatVector.fromArray(F, x, x3 + i);
            FloatVector b = FloatVector.fromArray(F, w, wo + i);
            c00 = b.fma(a0, c00);
            c01 = b.fma(a1, c01);
            c02 = b.fma(a2, c02);
            c03 = b.fma(a3, c03);
            b = FloatVector.fromArray(F, w, w1 + i);
            c10 = b.fma(a0, c10);
            c11 = b.fma(a1, c11);
            c12 = b.fma(a2, c12);
            c13 = b.fma(a3, c13);
            b = FloatVector.fromArray(F, w, w2 + i);
            c20 = b.fma(a0, c20);
            c21 = b.fma(a1, c21);
            c22 = b.fma(a2, c22);
            c23 = b.fma(a3, c23);
            b = FloatVector.fromArray(F, w, w3 + i);
            c30 = b.fma(a0, c30);
            c31 = b.fma(a1, c31);
            c32 = b.fma(a2, c32);
            c33 = b.fma(a3, c33);
        }
        out[0] = c00.reduceLanes(VectorOperators.ADD);
        out[1] = c01.reduceLanes(VectorOperators.ADD);
        out[2] = c02.reduceLanes(VectorOperators.ADD);
        out[3] = c03.reduceLanes(VectorOperators.ADD);
        out[4] = c10.reduceLanes(VectorOperators.ADD);
        out[5] = c11.reduceLanes(VectorOperators.ADD);
        out[6] = c12.reduceLanes(VectorOperators.ADD);
        out[7] = c13.reduceLanes(VectorOperators.ADD);
        out[8] = c20.reduceLanes(VectorOperators.ADD);
        out[9] = c21.reduceLanes(VectorOperators.ADD);
        out[10] = c22.reduceLanes(VectorOperators.ADD);
        out[11] = c23.reduceLanes(VectorOperators.ADD);
        out[12] = c30.reduceLanes(VectorOperators.ADD);
        out[13] = c31.reduceLanes(VectorOperators.ADD);
        out[14] = c32.reduceLanes(VectorOperators.ADD);
        out[15] = c33.reduceLanes(VectorOperators.ADD);
        for (; i < k; i++) {
            float v0 = w[wo + i], v1 = w[w1 + i], v2 = w[w2 + i], v3 = w[w3 + i];
            float y0 = x[xo + i], y1 = x[x1 + i], y2 = x[x2 + i], y3 = x[x3 + i];
            out[0] += v0 * y0; out[1] += v0 * y1; out[2] += v0 * y2; out[3] += v0 * y3;
            out[4] += v1 * y0; out[5] += v1 * y1; out[6] += v1 * y2; out[7] += v1 * y3;
            out[8] += v2 * y0; out[9] += v2 * y1; out[10] += v2 * y2; out[11] += v2 * y3;
            out[12] += v3 * y0; out[13] += v3 * y1; out[14] += v3 * y2; out[15] += v3 * y3;
        }
    }

    static float dot(float[] w, int wo, float[] x, int xo, int k) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i <= k - FL; i += FL) acc = FloatVector.fromArray(F, w, wo + i).fma(FloatVector.fromArray(F, x, xo + i), acc);
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < k; i++) s += w[wo + i] * x[xo + i];
        return s;
    }
}
