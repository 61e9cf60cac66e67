package dev.quanta.backend.cpu;

import static dev.quanta.backend.cpu.Simd.F;
import static dev.quanta.backend.cpu.Simd.FL;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;

/**
 * The prefill GEMM, Y[m][n] = X[m][k]·W[n][k]ᵀ for m of {@link #MIN_M} rows and more, as an
 * outer-product kernel in the manner of BLIS: each thread takes {@link #PANEL} weight rows at a
 * time (two float vectors' worth), decodes them to F32 once ({@link RowDecoder}) and stores them
 * transposed, {@code panel[i·PANEL + r]}. A k step of the 2×6 register tile is then two vector
 * loads of the panel and six broadcast activations for twelve FMAs, into accumulators that each
 * hold PANEL/2 outputs of one activation row: no horizontal reductions, each accumulator stored
 * once as a vector. k runs in chunks of {@link #KC} so the panel's chunk (32 KiB at 512 bits)
 * stays in L1 across all m rows; the accumulators of all rows wait in a per-thread array between
 * chunks. Measured (KernelProbe, Q4_0 2048×2048, batch 256, 2 threads): 0.34 ns per 32
 * multiply-adds per thread, about 93 GMAC/s per core; the 4×4 inner-product tile it replaced
 * (horizontal sums, weight rows streamed from L2) gave 0.47–0.58.
 *
 * <p>Why float and not the Q8 integer dots of {@link DotKernels}: the Vector API has no int8 or
 * int16 dot-product instruction (VNNI's vpdpbusd, vpmaddwd), so an integer product costs a
 * multiply, a widening and an add per lane pair, while a float FMA does 16 multiply-adds in one
 * instruction. Decoding costs a few instructions per weight, paid once for all m rows. The
 * activations stay F32 (no Q8 rounding), so prefill is as exact as the reference.
 */
final class Gemm {
    /** Below this many activation rows the integer GEMV/dot4 kernels win (decoding is not amortized). */
    static final int MIN_M = Integer.getInteger("quanta.cpu.gemmMinRows", 8);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Gemm() {}

    /** True when a MUL_MAT of m activation rows runs here, with F32 activations (not in scalar mode). */
    static boolean handles(int m) {
        return !Simd.SCALAR && m >= MIN_M;
    }

    /** Weight rows per panel of the outer-product kernel: two float vectors. */
    static final int PANEL = 2 * FL;
    /** Activation rows per outer-product tile. */
    static final int COLS = 6;

    /**
     * Rows [i0, i1) of Y: weight row i at w[wOff + i·stride] (decoded by {@code dec}), activations
     * x[j·k ..] for j &lt; m, results at y[yOff + (j·n + i)·4]. {@code panel} holds PANEL·k floats,
     * {@code tmp} PANEL·k, {@code acc} PANEL·m.
     */
    static void rows(RowDecoder dec, MemorySegment w, long wOff, long stride, int n, int k, int m,
                          float[] x, MemorySegment y, long yOff, int i0, int i1, float[] panel, float[] tmp, float[] acc) {
        for (int g = i0; g < i1; g += PANEL) {
            int gn = Math.min(PANEL, i1 - g);
            // decode the rows one after another into tmp (row-major, PANEL·k floats), then transpose
            // in blocks of TB columns, so the panel block being written (TB·PANEL floats) stays in
            // L1 while the rows go by: transposing row by row across the whole panel missed L1 on
            // every store and was a quarter of the GEMM's time
            for (int r = 0; r < gn; r++) dec.decode(w, wOff + (g + r) * stride, k, tmp, r * k);
            if (gn < PANEL) java.util.Arrays.fill(tmp, gn * k, PANEL * k, 0f);
            for (int i0b = 0; i0b < k; i0b += TB) {
                int i1b = Math.min(k, i0b + TB);
                for (int r = 0; r < PANEL; r++)
                    for (int i = i0b, p = i0b * PANEL + r, t = r * k + i0b; i < i1b; i++, p += PANEL, t++) panel[p] = tmp[t];
            }
            // k in chunks of KC: the chunk of the panel (PANEL·KC floats) stays in L1 for all m rows;
            // the accumulators of all m rows live in acc[j·PANEL ..] between chunks
            for (int k0 = 0; k0 < k; k0 += KC) {
                int len = Math.min(KC, k - k0);
                boolean first = k0 == 0;
                int j = 0;
                for (; j + COLS <= m; j += COLS) tile2x6(panel, k0 * PANEL, len, x, j * k + k0, k, acc, j * PANEL, first);
                for (; j < m; j++) tile2x1(panel, k0 * PANEL, len, x, j * k + k0, acc, j * PANEL, first);
            }
            for (int j = 0; j < m; j++) MemorySegment.copy(acc, j * PANEL, y, F32, yOff + ((long) j * n + g) * 4, gn);
        }
    }

    /** Columns per block of the panel transpose. */
    static final int TB = 64;

    /** k elements per chunk of the outer-product kernel: PANEL·KC floats (32 KiB at 512 bits) stay in L1. */
    static final int KC = 256;

    /**
     * acc[ao + c·PANEL + r] (+)= Σ_{i<len} panel[po + i·PANEL + r]·x[xo + c·k + i] for c < 6.
     * Flat: 12 accumulators in registers.
     */
    static void tile2x6(float[] panel, int po, int len, float[] x, int xo, int k, float[] acc, int ao, boolean first) {
        int x1 = xo + k, x2 = x1 + k, x3 = x2 + k, x4 = x3 + k, x5 = x4 + k;
        FloatVector a0, a1, a2, a3, a4, a5, b0, b1, b2, b3, b4, b5;
        if (first) {
            a0 = FloatVector.zero(F);
            a1 = a2 = a3 = a4 = a5 = b0 = b1 = b2 = b3 = b4 = b5 = a0;
        } else {
            a0 = FloatVector.fromArray(F, acc, ao);
            b0 = FloatVector.fromArray(F, acc, ao + FL);
            a1 = FloatVector.fromArray(F, acc, ao + PANEL);
            b1 = FloatVector.fromArray(F, acc, ao + PANEL + FL);
            a2 = FloatVector.fromArray(F, acc, ao + 2 * PANEL);
            b2 = FloatVector.fromArray(F, acc, ao + 2 * PANEL + FL);
            a3 = FloatVector.fromArray(F, acc, ao + 3 * PANEL);
            b3 = FloatVector.fromArray(F, acc, ao + 3 * PANEL + FL);
            a4 = FloatVector.fromArray(F, acc, ao + 4 * PANEL);
            b4 = FloatVector.fromArray(F, acc, ao + 4 * PANEL + FL);
            a5 = FloatVector.fromArray(F, acc, ao + 5 * PANEL);
            b5 = FloatVector.fromArray(F, acc, ao + 5 * PANEL + FL);
        }
        for (int i = 0, p = po; i < len; i++, p += PANEL) {
            FloatVector lo = FloatVector.fromArray(F, panel, p), hi = FloatVector.fromArray(F, panel, p + FL);
            FloatVector v = FloatVector.broadcast(F, x[xo + i]);
            a0 = lo.fma(v, a0);
            b0 = hi.fma(v, b0);
            v = FloatVector.broadcast(F, x[x1 + i]);
            a1 = lo.fma(v, a1);
            b1 = hi.fma(v, b1);
            v = FloatVector.broadcast(F, x[x2 + i]);
            a2 = lo.fma(v, a2);
            b2 = hi.fma(v, b2);
            v = FloatVector.broadcast(F, x[x3 + i]);
            a3 = lo.fma(v, a3);
            b3 = hi.fma(v, b3);
            v = FloatVector.broadcast(F, x[x4 + i]);
            a4 = lo.fma(v, a4);
            b4 = hi.fma(v, b4);
            v = FloatVector.broadcast(F, x[x5 + i]);
            a5 = lo.fma(v, a5);
            b5 = hi.fma(v, b5);
        }
        a0.intoArray(acc, ao);
        b0.intoArray(acc, ao + FL);
        a1.intoArray(acc, ao + PANEL);
        b1.intoArray(acc, ao + PANEL + FL);
        a2.intoArray(acc, ao + 2 * PANEL);
        b2.intoArray(acc, ao + 2 * PANEL + FL);
        a3.intoArray(acc, ao + 3 * PANEL);
        b3.intoArray(acc, ao + 3 * PANEL + FL);
        a4.intoArray(acc, ao + 4 * PANEL);
        b4.intoArray(acc, ao + 4 * PANEL + FL);
        a5.intoArray(acc, ao + 5 * PANEL);
        b5.intoArray(acc, ao + 5 * PANEL + FL);
    }

    static void tile2x1(float[] panel, int po, int len, float[] x, int xo, float[] acc, int ao, boolean first) {
        FloatVector a = first ? FloatVector.zero(F) : FloatVector.fromArray(F, acc, ao);
        FloatVector b = first ? FloatVector.zero(F) : FloatVector.fromArray(F, acc, ao + FL);
        for (int i = 0, p = po; i < len; i++, p += PANEL) {
            FloatVector v = FloatVector.broadcast(F, x[xo + i]);
            a = FloatVector.fromArray(F, panel, p).fma(v, a);
            b = FloatVector.fromArray(F, panel, p + FL).fma(v, b);
        }
        a.intoArray(acc, ao);
        b.intoArray(acc, ao + FL);
    }
}
