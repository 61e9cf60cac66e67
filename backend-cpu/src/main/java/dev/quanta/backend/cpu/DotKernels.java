package dev.quanta.backend.cpu;

import static dev.quanta.backend.cpu.Simd.BC;
import static dev.quanta.backend.cpu.Simd.C;
import static dev.quanta.backend.cpu.Simd.F;
import static dev.quanta.backend.cpu.Simd.FL;
import static dev.quanta.backend.cpu.Simd.I;
import static dev.quanta.backend.cpu.Simd.PARTS;
import static dev.quanta.backend.cpu.Simd.SC;
import static dev.quanta.backend.cpu.Simd.SF;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.quant.QuantCodec;
import dev.quanta.kernels.quant.QuantCodecs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Dot products of one weight row (in its ggml type, read in place from a segment) with prepared
 * activation rows ({@link Activations}), one activation row ({@code dot1}) or four at once
 * ({@code dot4}: the weight block is loaded and widened once for four rows — the GEMM register
 * tile used for prefill). Quantized weights meet Q8 activations in integer arithmetic: bytes are
 * widened to int16, multiplied (|w·a| ≤ 128·127, so two products fit an int16), widened to int32
 * and converted to float once per block of 32 for the scale multiply-add.
 */
abstract class DotKernels {
    static final ValueLayout.OfShort S16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** True when the activations are Q8 blocks ({@link Activations#qa}); false for F32 ({@link Activations#xa}). */
    abstract boolean quantizedActivations();

    /** True when the quantized activations are Q8_K super-blocks of 256 ({@link Activations#dk}, {@link Activations#bs}) rather than Q8 blocks of 32. */
    boolean superBlockActivations() {
        return false;
    }

    /** dot(weight row at w[off..], activation row j), k = a.k elements. */
    abstract float dot1(MemorySegment w, long off, Activations a, int j);

    /** out[r] = dot(weight row, activation row j + r) for r in 0..3. */
    void dot4(MemorySegment w, long off, Activations a, int j, float[] out) {
        for (int r = 0; r < 4; r++) out[r] = dot1(w, off, a, j + r);
    }

    /** The kernel for weights of {@code type}, in the configured SIMD width; null when unsupported. */
    static DotKernels forType(GgmlType type) {
        boolean s = Simd.SCALAR;
        return switch (type) {
            case Q8_0 -> s ? new ScalarDotKernels.Q8_0() : new Q8_0();
            case Q4_0 -> s ? new ScalarDotKernels.Q4_0() : new Q4_0();
            case F32 -> s ? new ScalarDotKernels.F32() : new F32();
            case F16 -> s ? new ScalarDotKernels.F16() : new F16();
            case BF16 -> s ? new ScalarDotKernels.BF16() : new BF16();
            case Q4_K -> s ? new KQuantKernels.ScalarQ4_K() : new KQuantKernels.Q4_K();
            case Q6_K -> s ? new KQuantKernels.ScalarQ6_K() : new KQuantKernels.Q6_K();
            case Q5_K -> s ? new KQuantKernels.ScalarQ5_K() : new KQuantKernels.Q5_K();
            default -> QuantCodecs.supported(type) && !type.isRetired() && type.blockSize > 0 ? new DequantRow(type) : null;
        };
    }

    static float h2f(MemorySegment w, long off) {
        return Float.float16ToFloat(w.get(S16, off));
    }

    /** C bytes at w[o..] sign-extended to int16 lanes. */
    static ShortVector widen(MemorySegment w, long o) {
        return (ShortVector) ByteVector.fromMemorySegment(BC, w, o, LE).convertShape(VectorOperators.B2S, SC, 0);
    }

    /** C bytes at w[o..] zero-extended to int16 lanes (0..255). */
    static ShortVector widenUnsigned(MemorySegment w, long o) {
        return (ShortVector) ByteVector.fromMemorySegment(BC, w, o, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SC, 0);
    }

    static IntVector toInts(IntVector acc, ShortVector p) {
        for (int part = 0; part < PARTS; part++) acc = acc.add(p.convertShape(VectorOperators.S2I, I, part));
        return acc;
    }

    static FloatVector fmaBlock(IntVector isum, float d, FloatVector acc) {
        return ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d), acc);
    }

    // ---- Q8_0 x Q8 ----------------------------------------------------------------------------

    static final class Q8_0 extends DotKernels {
        boolean quantizedActivations() { return true; }

        /** Integer dot of the 32 quants of the block at w[off] with activations qa[ao..ao+32). */
        static IntVector block(MemorySegment w, long off, short[] qa, int ao) {
            IntVector is = IntVector.zero(I);
            for (int c = 0; c < 32; c += 2 * C) {
                ShortVector p = widen(w, off + 2 + c).mul(ShortVector.fromArray(SC, qa, ao + c))
                        .add(widen(w, off + 2 + c + C).mul(ShortVector.fromArray(SC, qa, ao + c + C)));
                is = toInts(is, p);
            }
            return is;
        }

        float dot1(MemorySegment w, long off, Activations a, int j) {
            short[] qa = a.qa;
            float[] da = a.da;
            int ao = j * a.k, nb = a.k >> 5, b = 0;
            // two accumulators: the FMA chain, not the arithmetic, would otherwise bound the loop
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
            for (; b + 1 < nb; b += 2, off += 68, ao += 64) {
                acc0 = fmaBlock(block(w, off, qa, ao), h2f(w, off) * da[ao >> 5], acc0);
                acc1 = fmaBlock(block(w, off + 34, qa, ao + 32), h2f(w, off + 34) * da[(ao >> 5) + 1], acc1);
            }
            if (b < nb) acc0 = fmaBlock(block(w, off, qa, ao), h2f(w, off) * da[ao >> 5], acc0);
            return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }

        @Override
        void dot4(MemorySegment w, long off, Activations a, int j, float[] out) {
            short[] qa = a.qa;
            float[] da = a.da;
            int k = a.k, nb = k >> 5;
            int a0 = j * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
            FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
            for (int b = 0; b < nb; b++, off += 34, a0 += 32, a1 += 32, a2 += 32, a3 += 32) {
                IntVector i0 = IntVector.zero(I), i1 = i0, i2 = i0, i3 = i0;
                for (int c = 0; c < 32; c += 2 * C) {
                    ShortVector w0 = widen(w, off + 2 + c), w1 = widen(w, off + 2 + c + C);
                    i0 = toInts(i0, w0.mul(ShortVector.fromArray(SC, qa, a0 + c)).add(w1.mul(ShortVector.fromArray(SC, qa, a0 + c + C))));
                    i1 = toInts(i1, w0.mul(ShortVector.fromArray(SC, qa, a1 + c)).add(w1.mul(ShortVector.fromArray(SC, qa, a1 + c + C))));
                    i2 = toInts(i2, w0.mul(ShortVector.fromArray(SC, qa, a2 + c)).add(w1.mul(ShortVector.fromArray(SC, qa, a2 + c + C))));
                    i3 = toInts(i3, w0.mul(ShortVector.fromArray(SC, qa, a3 + c)).add(w1.mul(ShortVector.fromArray(SC, qa, a3 + c + C))));
                }
                float d = h2f(w, off);
                c0 = fmaBlock(i0, d * da[a0 >> 5], c0);
                c1 = fmaBlock(i1, d * da[a1 >> 5], c1);
                c2 = fmaBlock(i2, d * da[a2 >> 5], c2);
                c3 = fmaBlock(i3, d * da[a3 >> 5], c3);
            }
            out[0] = c0.reduceLanes(VectorOperators.ADD);
            out[1] = c1.reduceLanes(VectorOperators.ADD);
            out[2] = c2.reduceLanes(VectorOperators.ADD);
            out[3] = c3.reduceLanes(VectorOperators.ADD);
        }
    }

    // ---- Q4_0 x Q8 ----------------------------------------------------------------------------

    static final class Q4_0 extends DotKernels {
        boolean quantizedActivations() { return true; }

        /** Integer dot of the block at w[off] (quants as stored, 0..15) with qa[ao..ao+32); the -8 offset is applied by the caller. */
        static IntVector block(MemorySegment w, long off, short[] qa, int ao) {
            IntVector is = IntVector.zero(I);
            for (int c = 0; c < 16; c += C) {
                ShortVector s = widenUnsigned(w, off + 2 + c);
                ShortVector p = s.and((short) 0x0f).mul(ShortVector.fromArray(SC, qa, ao + c))
                        .add(s.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(SC, qa, ao + 16 + c)));
                is = toInts(is, p);
            }
            return is;
        }

        /**
         * sum((q - 8)·a) = sum(q·a) - 8·sum(a): the offset is folded into a scalar correction with
         * the activation block sums, saving two vector subtractions per block.
         */
        float dot1(MemorySegment w, long off, Activations a, int j) {
            short[] qa = a.qa;
            float[] da = a.da;
            int[] sa = a.sa;
            int ao = j * a.k, nb = a.k >> 5, b = 0;
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
            float corr = 0;
            for (; b + 1 < nb; b += 2, off += 36, ao += 64) {
                float d0 = h2f(w, off) * da[ao >> 5], d1 = h2f(w, off + 18) * da[(ao >> 5) + 1];
                acc0 = fmaBlock(block(w, off, qa, ao), d0, acc0);
                acc1 = fmaBlock(block(w, off + 18, qa, ao + 32), d1, acc1);
                corr += d0 * sa[ao >> 5] + d1 * sa[(ao >> 5) + 1];
            }
            if (b < nb) {
                float d0 = h2f(w, off) * da[ao >> 5];
                acc0 = fmaBlock(block(w, off, qa, ao), d0, acc0);
                corr += d0 * sa[ao >> 5];
            }
            return acc0.add(acc1).reduceLanes(VectorOperators.ADD) - 8 * corr;
        }

        /**
         * Two activation rows per pass over the weight block. A four-row tile like Q8_0's ran
         * 3-5x slower per row under C2 on JDK 25 (measured with the bench's DotProbe-style loop), so
         * Q4_0 pairs rows instead.
         */
        @Override
        void dot4(MemorySegment w, long off, Activations a, int j, float[] out) {
            dot2(w, off, a, j, out, 0);
            dot2(w, off, a, j + 2, out, 2);
        }

        private static void dot2(MemorySegment w, long off, Activations a, int j, float[] out, int o) {
            short[] qa = a.qa;
            float[] da = a.da;
            int[] sa = a.sa;
            int k = a.k, nb = k >> 5;
            int a0 = j * k, a1 = a0 + k;
            FloatVector c0 = FloatVector.zero(F), c1 = c0;
            float e0 = 0, e1 = 0;
            for (int b = 0; b < nb; b++, off += 18, a0 += 32, a1 += 32) {
                IntVector i0 = IntVector.zero(I), i1 = i0;
                for (int c = 0; c < 16; c += C) {
                    ShortVector s = widenUnsigned(w, off + 2 + c);
                    ShortVector l = s.and((short) 0x0f), h = s.lanewise(VectorOperators.LSHR, 4);
                    i0 = toInts(i0, l.mul(ShortVector.fromArray(SC, qa, a0 + c)).add(h.mul(ShortVector.fromArray(SC, qa, a0 + 16 + c))));
                    i1 = toInts(i1, l.mul(ShortVector.fromArray(SC, qa, a1 + c)).add(h.mul(ShortVector.fromArray(SC, qa, a1 + 16 + c))));
                }
                float d = h2f(w, off);
                float d0 = d * da[a0 >> 5], d1 = d * da[a1 >> 5];
                c0 = fmaBlock(i0, d0, c0);
                c1 = fmaBlock(i1, d1, c1);
                e0 += d0 * sa[a0 >> 5];
                e1 += d1 * sa[a1 >> 5];
            }
            out[o] = c0.reduceLanes(VectorOperators.ADD) - 8 * e0;
            out[o + 1] = c1.reduceLanes(VectorOperators.ADD) - 8 * e1;
        }
    }

    // ---- float weights x F32 activations --------------------------------------------------------

    /** Shared loop of F32/F16/BF16 weights: {@link #load} gives FL weights as floats. */
    abstract static class FloatWeights extends DotKernels {
        final int elemBytes;

        FloatWeights(int elemBytes) {
            this.elemBytes = elemBytes;
        }

        boolean quantizedActivations() { return false; }

        abstract FloatVector load(MemorySegment w, long off);

        abstract float scalar(MemorySegment w, long off);

        float dot1(MemorySegment w, long off, Activations a, int j) {
            float[] x = a.xa;
            int k = a.k, xo = j * k, i = 0;
            FloatVector s0 = FloatVector.zero(F), s1 = s0;
            int bound = k - 2 * FL;
            for (; i <= bound; i += 2 * FL) {
                s0 = load(w, off + (long) i * elemBytes).fma(FloatVector.fromArray(F, x, xo + i), s0);
                s1 = load(w, off + (long) (i + FL) * elemBytes).fma(FloatVector.fromArray(F, x, xo + i + FL), s1);
            }
            float sum = s0.add(s1).reduceLanes(VectorOperators.ADD);
            for (; i < k; i++) sum += scalar(w, off + (long) i * elemBytes) * x[xo + i];
            return sum;
        }

        @Override
        void dot4(MemorySegment w, long off, Activations a, int j, float[] out) {
            float[] x = a.xa;
            int k = a.k, x0 = j * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k, i = 0;
            FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
            int bound = k - FL;
            for (; i <= bound; i += FL) {
                FloatVector v = load(w, off + (long) i * elemBytes);
                c0 = v.fma(FloatVector.fromArray(F, x, x0 + i), c0);
                c1 = v.fma(FloatVector.fromArray(F, x, x1 + i), c1);
                c2 = v.fma(FloatVector.fromArray(F, x, x2 + i), c2);
                c3 = v.fma(FloatVector.fromArray(F, x, x3 + i), c3);
            }
            float r0 = c0.reduceLanes(VectorOperators.ADD), r1 = c1.reduceLanes(VectorOperators.ADD);
            float r2 = c2.reduceLanes(VectorOperators.ADD), r3 = c3.reduceLanes(VectorOperators.ADD);
            for (; i < k; i++) {
                float v = scalar(w, off + (long) i * elemBytes);
                r0 += v * x[x0 + i];
                r1 += v * x[x1 + i];
                r2 += v * x[x2 + i];
                r3 += v * x[x3 + i];
            }
            out[0] = r0;
            out[1] = r1;
            out[2] = r2;
            out[3] = r3;
        }
    }

    static final class F32 extends FloatWeights {
        F32() { super(4); }

        FloatVector load(MemorySegment w, long off) {
            return FloatVector.fromMemorySegment(F, w, off, LE);
        }

        float scalar(MemorySegment w, long off) {
            return w.get(F32, off);
        }
    }

    static final class F16 extends FloatWeights {
        F16() { super(2); }

        FloatVector load(MemorySegment w, long off) {
            return halfToFloat((IntVector) ShortVector.fromMemorySegment(SF, w, off, LE).convertShape(VectorOperators.S2I, I, 0));
        }

        float scalar(MemorySegment w, long off) {
            return h2f(w, off);
        }
    }

    /**
     * IEEE half bits (sign-extended in int lanes) to float: the exponent/mantissa field shifted
     * into place and scaled by 2^112 (exact for normals and subnormals); Inf/NaN patched.
     */
    static FloatVector halfToFloat(IntVector h) {
        IntVector em = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
        IntVector mag = em.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        mag = mag.blend(em.or(0x7f800000), em.compare(VectorOperators.GE, 0x7c00 << 13));
        return mag.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    static final class BF16 extends FloatWeights {
        BF16() { super(2); }

        FloatVector load(MemorySegment w, long off) {
            return ((IntVector) ShortVector.fromMemorySegment(SF, w, off, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        }

        float scalar(MemorySegment w, long off) {
            return Float.intBitsToFloat((w.get(S16, off) & 0xffff) << 16);
        }
    }

    // ---- fallback for types without an integer kernel yet ----------------------------------------

    /**
     * Types that have a reference codec but no integer-dot kernel yet (K-quants, Q4_1/Q5_x, IQ4):
     * the weight row is decoded once into a per-thread float row and dotted with F32 activations;
     * {@link #dot4} decodes once for four activation rows. Correct, not yet llama.cpp speed.
     */
    static final class DequantRow extends DotKernels {
        private final QuantCodec codec;
        private final ThreadLocal<float[]> row = ThreadLocal.withInitial(() -> new float[0]);

        DequantRow(GgmlType type) {
            this.codec = QuantCodecs.of(type);
        }

        boolean quantizedActivations() { return false; }

        private float[] decode(MemorySegment w, long off, int k) {
            float[] r = row.get();
            if (r.length < k) {
                r = new float[k];
                row.set(r);
            }
            codec.dequantizeRow(w, off, r, 0, k);
            return r;
        }

        static float dot(float[] r, float[] x, int xo, int k) {
            int i = 0;
            float sum = 0;
            if (!Simd.SCALAR) {
                FloatVector acc = FloatVector.zero(F);
                for (; i <= k - FL; i += FL) acc = FloatVector.fromArray(F, r, i).fma(FloatVector.fromArray(F, x, xo + i), acc);
                sum = acc.reduceLanes(VectorOperators.ADD);
            }
            for (; i < k; i++) sum += r[i] * x[xo + i];
            return sum;
        }

        float dot1(MemorySegment w, long off, Activations a, int j) {
            return dot(decode(w, off, a.k), a.xa, j * a.k, a.k);
        }

        @Override
        void dot4(MemorySegment w, long off, Activations a, int j, float[] out) {
            float[] r = decode(w, off, a.k);
            for (int q = 0; q < 4; q++) out[q] = dot(r, a.xa, (j + q) * a.k, a.k);
        }
    }
}
