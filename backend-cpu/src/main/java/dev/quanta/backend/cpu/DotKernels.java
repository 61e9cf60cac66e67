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
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** True when the activations are Q8 blocks ({@link Activations#qa}); false for F32 ({@link Activations#xa}). */
    abstract boolean quantizedActivations();

    /** True when the quantized activations are Q8_K super-blocks of 256 ({@link Activations#dk}, {@link Activations#bs}) rather than Q8 blocks of 32. */
    boolean superBlockActivations() {
        return false;
    }

    /** dot(weight row at w[off..], activation row j), k = a.k elements. */
    abstract float dot1(MemorySegment w, long off, Activations a, int j);

    /** True when {@link #dot1x2} is a kernel of its own (MatMul then pairs weight rows in GEMV); else MatMul calls {@link #dot1} per row. */
    boolean pairsRows() {
        return false;
    }

    /** out[0] = dot(weight row at w[off0..], activation row j), out[1] the same for the row at w[off1..] (decode GEMV: one activation load for two rows). */
    void dot1x2(MemorySegment w, long off0, long off1, Activations a, int j, float[] out) {
        out[0] = dot1(w, off0, a, j);
        out[1] = dot1(w, off1, a, j);
    }

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
            case Q4_K -> s ? new KQuantKernels.ScalarQ4_K() : Simd.BITS == 512 ? new KQuantKernels.Q4_K512() : new KQuantKernels.Q4_K();
            case Q6_K -> s ? new KQuantKernels.ScalarQ6_K() : Simd.BITS == 512 ? new KQuantKernels.Q6_K512() : new KQuantKernels.Q6_K();
            case Q4_1, Q5_0, Q5_1, IQ4_NL -> Q32Kernels.forType(type, s);
            case Q5_K -> s ? new KQuantKernels.ScalarQ5_K() : new KQuantKernels.Q5_K();
            default -> QuantCodecs.supported(type) && !type.isRetired() && type.blockSize > 0 ? new DequantRow(type) : null;
        };
    }

    static float h2f(MemorySegment w, long off) {
        return Float.float16ToFloat(w.get(S16, off));
    }

    // ---- Q8_0 x Q8 ----------------------------------------------------------------------------
    //
    // The hot loops below are written flat, with no calls to our own helpers: C2 counts a helper
    // against NodeCountInliningCutoff (and refuses to inline one already compiled into a big
    // method), and a vector helper left out of line boxes its arguments. Which of these happened
    // depended on compile order, so the same model ran prefill at 3 or 10+ tokens/s from run to
    // run. Only Vector API calls (force-inlined) and JDK intrinsics appear in them.

    static final class Q8_0 extends DotKernels {
        boolean quantizedActivations() { return true; }

        float dot1(MemorySegment w, long off, Activations a, int j) {
            short[] qa = a.qa;
            byte[] qb = a.qb;
            float[] da = a.da;
            int ao = j * a.k, aEnd = ao + (a.k & ~63);
            // two accumulators: the FMA chain, not the arithmetic, would otherwise bound the loop;
            // the activation index is the loop variable, so C2 hoists the array range checks.
            // Activations as int8 (qb), widened in the load like the weights: the int16 row of
            // k = 8192 (16 KiB) and the weights streaming past it crowded L1 — KernelProbe from
            // DRAM, 2 threads, 2048x8192: 33–34 → 44–45 GB/s; 8192x2048 unchanged (47–49)
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
            for (; ao < aEnd; off += 68, ao += 64) {
                IntVector i0 = IntVector.zero(I), i1 = i0;
                for (int c = 0; c < 32; c += 2 * C) {
                    ShortVector x0 = (ShortVector) ByteVector.fromArray(BC, qb, ao + c).convertShape(VectorOperators.B2S, SC, 0);
                    ShortVector x1 = (ShortVector) ByteVector.fromArray(BC, qb, ao + c + C).convertShape(VectorOperators.B2S, SC, 0);
                    ShortVector y0 = (ShortVector) ByteVector.fromArray(BC, qb, ao + 32 + c).convertShape(VectorOperators.B2S, SC, 0);
                    ShortVector y1 = (ShortVector) ByteVector.fromArray(BC, qb, ao + 32 + c + C).convertShape(VectorOperators.B2S, SC, 0);
                    ShortVector p = ((ShortVector) ByteVector.fromMemorySegment(BC, w, off + 2 + c, LE).convertShape(VectorOperators.B2S, SC, 0)).mul(x0)
                            .add(((ShortVector) ByteVector.fromMemorySegment(BC, w, off + 2 + c + C, LE).convertShape(VectorOperators.B2S, SC, 0)).mul(x1));
                    ShortVector q = ((ShortVector) ByteVector.fromMemorySegment(BC, w, off + 36 + c, LE).convertShape(VectorOperators.B2S, SC, 0)).mul(y0)
                            .add(((ShortVector) ByteVector.fromMemorySegment(BC, w, off + 36 + c + C, LE).convertShape(VectorOperators.B2S, SC, 0)).mul(y1));
                    for (int part = 0; part < PARTS; part++) {
                        i0 = i0.add(p.convertShape(VectorOperators.S2I, I, part));
                        i1 = i1.add(q.convertShape(VectorOperators.S2I, I, part));
                    }
                }
                acc0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(S16, off)) * da[ao >> 5]), acc0);
                acc1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(S16, off + 34)) * da[(ao >> 5) + 1]), acc1);
            }
            FloatVector h0 = acc0.add(acc1); // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h0 = h0.add(h0.rearrange(Simd.X8));
            if (Simd.FL >= 8) h0 = h0.add(h0.rearrange(Simd.X4));
            h0 = h0.add(h0.rearrange(Simd.X2));
            h0 = h0.add(h0.rearrange(Simd.X1));
            float sum = h0.lane(0);
            if ((a.k & 32) != 0) { // an odd block count: the last block
                int s = 0;
                for (int i = 0; i < 32; i++) s += w.get(I8, off + 2 + i) * qa[ao + i];
                sum += s * (Float.float16ToFloat(w.get(S16, off)) * da[ao >> 5]);
            }
            return sum;
        }

        @Override
        boolean pairsRows() { return true; }

        /** Two weight rows against activation row j: each activation load serves both rows. */
        @Override
        void dot1x2(MemorySegment w, long off0, long off1, Activations a, int j, float[] out) {
            short[] qa = a.qa;
            float[] da = a.da;
            int ao = j * a.k, nb = a.k >> 5;
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
            for (int b = 0; b < nb; b++, off0 += 34, off1 += 34, ao += 32) {
                IntVector i0 = IntVector.zero(I), i1 = i0;
                for (int c = 0; c < 32; c += 2 * C) {
                    ShortVector x0 = ShortVector.fromArray(SC, qa, ao + c), x1 = ShortVector.fromArray(SC, qa, ao + c + C);
                    ShortVector p = ((ShortVector) ByteVector.fromMemorySegment(BC, w, off0 + 2 + c, LE).convertShape(VectorOperators.B2S, SC, 0)).mul(x0)
                            .add(((ShortVector) ByteVector.fromMemorySegment(BC, w, off0 + 2 + c + C, LE).convertShape(VectorOperators.B2S, SC, 0)).mul(x1));
                    ShortVector q = ((ShortVector) ByteVector.fromMemorySegment(BC, w, off1 + 2 + c, LE).convertShape(VectorOperators.B2S, SC, 0)).mul(x0)
                            .add(((ShortVector) ByteVector.fromMemorySegment(BC, w, off1 + 2 + c + C, LE).convertShape(VectorOperators.B2S, SC, 0)).mul(x1));
                    for (int part = 0; part < PARTS; part++) {
                        i0 = i0.add(p.convertShape(VectorOperators.S2I, I, part));
                        i1 = i1.add(q.convertShape(VectorOperators.S2I, I, part));
                    }
                }
                float dx = da[ao >> 5];
                acc0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(S16, off0)) * dx), acc0);
                acc1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(S16, off1)) * dx), acc1);
            }
            FloatVector h1 = acc0; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h1 = h1.add(h1.rearrange(Simd.X8));
            if (Simd.FL >= 8) h1 = h1.add(h1.rearrange(Simd.X4));
            h1 = h1.add(h1.rearrange(Simd.X2));
            h1 = h1.add(h1.rearrange(Simd.X1));
            out[0] = h1.lane(0);
            FloatVector h2 = acc1; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h2 = h2.add(h2.rearrange(Simd.X8));
            if (Simd.FL >= 8) h2 = h2.add(h2.rearrange(Simd.X4));
            h2 = h2.add(h2.rearrange(Simd.X2));
            h2 = h2.add(h2.rearrange(Simd.X1));
            out[1] = h2.lane(0);
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
                    ShortVector w0 = (ShortVector) ByteVector.fromMemorySegment(BC, w, off + 2 + c, LE).convertShape(VectorOperators.B2S, SC, 0);
                    ShortVector w1 = (ShortVector) ByteVector.fromMemorySegment(BC, w, off + 2 + c + C, LE).convertShape(VectorOperators.B2S, SC, 0);
                    ShortVector p0 = w0.mul(ShortVector.fromArray(SC, qa, a0 + c)).add(w1.mul(ShortVector.fromArray(SC, qa, a0 + c + C)));
                    ShortVector p1 = w0.mul(ShortVector.fromArray(SC, qa, a1 + c)).add(w1.mul(ShortVector.fromArray(SC, qa, a1 + c + C)));
                    ShortVector p2 = w0.mul(ShortVector.fromArray(SC, qa, a2 + c)).add(w1.mul(ShortVector.fromArray(SC, qa, a2 + c + C)));
                    ShortVector p3 = w0.mul(ShortVector.fromArray(SC, qa, a3 + c)).add(w1.mul(ShortVector.fromArray(SC, qa, a3 + c + C)));
                    for (int part = 0; part < PARTS; part++) {
                        i0 = i0.add(p0.convertShape(VectorOperators.S2I, I, part));
                        i1 = i1.add(p1.convertShape(VectorOperators.S2I, I, part));
                        i2 = i2.add(p2.convertShape(VectorOperators.S2I, I, part));
                        i3 = i3.add(p3.convertShape(VectorOperators.S2I, I, part));
                    }
                }
                float d = Float.float16ToFloat(w.get(S16, off));
                c0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * da[a0 >> 5]), c0);
                c1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * da[a1 >> 5]), c1);
                c2 = ((FloatVector) i2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * da[a2 >> 5]), c2);
                c3 = ((FloatVector) i3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * da[a3 >> 5]), c3);
            }
            FloatVector h3 = c0; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h3 = h3.add(h3.rearrange(Simd.X8));
            if (Simd.FL >= 8) h3 = h3.add(h3.rearrange(Simd.X4));
            h3 = h3.add(h3.rearrange(Simd.X2));
            h3 = h3.add(h3.rearrange(Simd.X1));
            out[0] = h3.lane(0);
            FloatVector h4 = c1; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h4 = h4.add(h4.rearrange(Simd.X8));
            if (Simd.FL >= 8) h4 = h4.add(h4.rearrange(Simd.X4));
            h4 = h4.add(h4.rearrange(Simd.X2));
            h4 = h4.add(h4.rearrange(Simd.X1));
            out[1] = h4.lane(0);
            FloatVector h5 = c2; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h5 = h5.add(h5.rearrange(Simd.X8));
            if (Simd.FL >= 8) h5 = h5.add(h5.rearrange(Simd.X4));
            h5 = h5.add(h5.rearrange(Simd.X2));
            h5 = h5.add(h5.rearrange(Simd.X1));
            out[2] = h5.lane(0);
            FloatVector h6 = c3; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h6 = h6.add(h6.rearrange(Simd.X8));
            if (Simd.FL >= 8) h6 = h6.add(h6.rearrange(Simd.X4));
            h6 = h6.add(h6.rearrange(Simd.X2));
            h6 = h6.add(h6.rearrange(Simd.X1));
            out[3] = h6.lane(0);
        }
    }

    // ---- Q4_0 x Q8 ----------------------------------------------------------------------------

    /**
     * sum((q - 8)·a) = sum(q·a) - 8·sum(a): the offset is folded into a scalar correction with the
     * activation block sums ({@link Activations#sa}), saving two vector subtractions per block.
     * Nibbles are zero-extended to int16 lanes, low nibbles meet activations 0..15 and high nibbles
     * 16..31 of the block.
     */
    static final class Q4_0 extends DotKernels {
        boolean quantizedActivations() { return true; }

        float dot1(MemorySegment w, long off, Activations a, int j) {
            short[] qa = a.qa;
            float[] da = a.da;
            int[] sa = a.sa;
            // the activation index is the loop variable: C2 then hoists the array range checks
            // (with a block counter as the variable they stayed in the loop: a fifth of its time)
            int ao = j * a.k, aEnd = ao + (a.k & ~63);
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
            float corr = 0;
            // 512 bits: one 16-lane chunk per block, written out; the -8 offset is taken in the int16
            // lanes (|(q-8)·a| ≤ 1016, a pair of them fits int16) instead of a scalar correction
            // with the activation sums: 1.23 → 1.13 ns per block, one thread; 1B Q4_0 tg128 +12%
            if (C == 16) for (; ao < aEnd; off += 36, ao += 64) {
                ShortVector s = (ShortVector) ByteVector.fromMemorySegment(BC, w, off + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SC, 0);
                ShortVector t = (ShortVector) ByteVector.fromMemorySegment(BC, w, off + 20, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SC, 0);
                ShortVector p = s.and((short) 0x0f).sub((short) 8).mul(ShortVector.fromArray(SC, qa, ao))
                        .add(s.lanewise(VectorOperators.LSHR, 4).sub((short) 8).mul(ShortVector.fromArray(SC, qa, ao + 16)));
                ShortVector q = t.and((short) 0x0f).sub((short) 8).mul(ShortVector.fromArray(SC, qa, ao + 32))
                        .add(t.lanewise(VectorOperators.LSHR, 4).sub((short) 8).mul(ShortVector.fromArray(SC, qa, ao + 48)));
                float d0 = Float.float16ToFloat(w.get(S16, off)) * da[ao >> 5];
                float d1 = Float.float16ToFloat(w.get(S16, off + 18)) * da[(ao >> 5) + 1];
                acc0 = ((FloatVector) ((IntVector) p.convertShape(VectorOperators.S2I, I, 0)).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d0), acc0);
                acc1 = ((FloatVector) ((IntVector) q.convertShape(VectorOperators.S2I, I, 0)).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d1), acc1);
            }
            else for (; ao < aEnd; off += 36, ao += 64) {
                IntVector i0 = IntVector.zero(I), i1 = i0;
                for (int c = 0; c < 16; c += C) {
                    ShortVector s = (ShortVector) ByteVector.fromMemorySegment(BC, w, off + 2 + c, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SC, 0);
                    ShortVector t = (ShortVector) ByteVector.fromMemorySegment(BC, w, off + 20 + c, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SC, 0);
                    ShortVector p = s.and((short) 0x0f).mul(ShortVector.fromArray(SC, qa, ao + c))
                            .add(s.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(SC, qa, ao + 16 + c)));
                    ShortVector q = t.and((short) 0x0f).mul(ShortVector.fromArray(SC, qa, ao + 32 + c))
                            .add(t.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(SC, qa, ao + 48 + c)));
                    for (int part = 0; part < PARTS; part++) {
                        i0 = i0.add(p.convertShape(VectorOperators.S2I, I, part));
                        i1 = i1.add(q.convertShape(VectorOperators.S2I, I, part));
                    }
                }
                float d0 = Float.float16ToFloat(w.get(S16, off)) * da[ao >> 5];
                float d1 = Float.float16ToFloat(w.get(S16, off + 18)) * da[(ao >> 5) + 1];
                acc0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d0), acc0);
                acc1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d1), acc1);
                corr += d0 * sa[ao >> 5] + d1 * sa[(ao >> 5) + 1];
            }
            FloatVector h7 = acc0.add(acc1); // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h7 = h7.add(h7.rearrange(Simd.X8));
            if (Simd.FL >= 8) h7 = h7.add(h7.rearrange(Simd.X4));
            h7 = h7.add(h7.rearrange(Simd.X2));
            h7 = h7.add(h7.rearrange(Simd.X1));
            float sum = h7.lane(0) - 8 * corr;
            if ((a.k & 32) != 0) { // an odd block count: the last block
                int s = 0;
                for (int i = 0; i < 16; i++) {
                    int q = w.get(I8, off + 2 + i) & 0xff;
                    s += ((q & 15) - 8) * qa[ao + i] + ((q >>> 4) - 8) * qa[ao + 16 + i];
                }
                sum += s * (Float.float16ToFloat(w.get(S16, off)) * da[ao >> 5]);
            }
            return sum;
        }

        @Override
        boolean pairsRows() { return true; }

        /** Two weight rows against activation row j: each activation load serves both rows. */
        @Override
        void dot1x2(MemorySegment w, long off0, long off1, Activations a, int j, float[] out) {
            short[] qa = a.qa;
            float[] da = a.da;
            int[] sa = a.sa;
            int ao = j * a.k, nb = a.k >> 5;
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
            float e0 = 0, e1 = 0;
            for (int b = 0; b < nb; b++, off0 += 18, off1 += 18, ao += 32) {
                IntVector i0 = IntVector.zero(I), i1 = i0;
                for (int c = 0; c < 16; c += C) {
                    ShortVector lo = ShortVector.fromArray(SC, qa, ao + c), hi = ShortVector.fromArray(SC, qa, ao + 16 + c);
                    ShortVector s = (ShortVector) ByteVector.fromMemorySegment(BC, w, off0 + 2 + c, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SC, 0);
                    ShortVector t = (ShortVector) ByteVector.fromMemorySegment(BC, w, off1 + 2 + c, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SC, 0);
                    ShortVector p = s.and((short) 0x0f).mul(lo).add(s.lanewise(VectorOperators.LSHR, 4).mul(hi));
                    ShortVector q = t.and((short) 0x0f).mul(lo).add(t.lanewise(VectorOperators.LSHR, 4).mul(hi));
                    for (int part = 0; part < PARTS; part++) {
                        i0 = i0.add(p.convertShape(VectorOperators.S2I, I, part));
                        i1 = i1.add(q.convertShape(VectorOperators.S2I, I, part));
                    }
                }
                float dx = da[ao >> 5], sx = sa[ao >> 5];
                float d0 = Float.float16ToFloat(w.get(S16, off0)) * dx, d1 = Float.float16ToFloat(w.get(S16, off1)) * dx;
                acc0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d0), acc0);
                acc1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d1), acc1);
                e0 += d0 * sx;
                e1 += d1 * sx;
            }
            FloatVector h8 = acc0; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h8 = h8.add(h8.rearrange(Simd.X8));
            if (Simd.FL >= 8) h8 = h8.add(h8.rearrange(Simd.X4));
            h8 = h8.add(h8.rearrange(Simd.X2));
            h8 = h8.add(h8.rearrange(Simd.X1));
            out[0] = h8.lane(0) - 8 * e0;
            FloatVector h9 = acc1; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h9 = h9.add(h9.rearrange(Simd.X8));
            if (Simd.FL >= 8) h9 = h9.add(h9.rearrange(Simd.X4));
            h9 = h9.add(h9.rearrange(Simd.X2));
            h9 = h9.add(h9.rearrange(Simd.X1));
            out[1] = h9.lane(0) - 8 * e1;
        }

        /** Four activation rows per pass over the weight block (the nibbles are unpacked once). */
        @Override
        void dot4(MemorySegment w, long off, Activations a, int j, float[] out) {
            short[] qa = a.qa;
            float[] da = a.da;
            int[] sa = a.sa;
            int k = a.k, nb = k >> 5;
            int a0 = j * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
            FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
            float e0 = 0, e1 = 0, e2 = 0, e3 = 0;
            for (int b = 0; b < nb; b++, off += 18, a0 += 32, a1 += 32, a2 += 32, a3 += 32) {
                IntVector i0 = IntVector.zero(I), i1 = i0, i2 = i0, i3 = i0;
                for (int c = 0; c < 16; c += C) {
                    ShortVector s = (ShortVector) ByteVector.fromMemorySegment(BC, w, off + 2 + c, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SC, 0);
                    ShortVector l = s.and((short) 0x0f), h = s.lanewise(VectorOperators.LSHR, 4);
                    ShortVector p0 = l.mul(ShortVector.fromArray(SC, qa, a0 + c)).add(h.mul(ShortVector.fromArray(SC, qa, a0 + 16 + c)));
                    ShortVector p1 = l.mul(ShortVector.fromArray(SC, qa, a1 + c)).add(h.mul(ShortVector.fromArray(SC, qa, a1 + 16 + c)));
                    ShortVector p2 = l.mul(ShortVector.fromArray(SC, qa, a2 + c)).add(h.mul(ShortVector.fromArray(SC, qa, a2 + 16 + c)));
                    ShortVector p3 = l.mul(ShortVector.fromArray(SC, qa, a3 + c)).add(h.mul(ShortVector.fromArray(SC, qa, a3 + 16 + c)));
                    for (int part = 0; part < PARTS; part++) {
                        i0 = i0.add(p0.convertShape(VectorOperators.S2I, I, part));
                        i1 = i1.add(p1.convertShape(VectorOperators.S2I, I, part));
                        i2 = i2.add(p2.convertShape(VectorOperators.S2I, I, part));
                        i3 = i3.add(p3.convertShape(VectorOperators.S2I, I, part));
                    }
                }
                float d = Float.float16ToFloat(w.get(S16, off));
                float d0 = d * da[a0 >> 5], d1 = d * da[a1 >> 5], d2 = d * da[a2 >> 5], d3 = d * da[a3 >> 5];
                c0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d0), c0);
                c1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d1), c1);
                c2 = ((FloatVector) i2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d2), c2);
                c3 = ((FloatVector) i3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d3), c3);
                e0 += d0 * sa[a0 >> 5];
                e1 += d1 * sa[a1 >> 5];
                e2 += d2 * sa[a2 >> 5];
                e3 += d3 * sa[a3 >> 5];
            }
            FloatVector h10 = c0; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h10 = h10.add(h10.rearrange(Simd.X8));
            if (Simd.FL >= 8) h10 = h10.add(h10.rearrange(Simd.X4));
            h10 = h10.add(h10.rearrange(Simd.X2));
            h10 = h10.add(h10.rearrange(Simd.X1));
            out[0] = h10.lane(0) - 8 * e0;
            FloatVector h11 = c1; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h11 = h11.add(h11.rearrange(Simd.X8));
            if (Simd.FL >= 8) h11 = h11.add(h11.rearrange(Simd.X4));
            h11 = h11.add(h11.rearrange(Simd.X2));
            h11 = h11.add(h11.rearrange(Simd.X1));
            out[1] = h11.lane(0) - 8 * e1;
            FloatVector h12 = c2; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h12 = h12.add(h12.rearrange(Simd.X8));
            if (Simd.FL >= 8) h12 = h12.add(h12.rearrange(Simd.X4));
            h12 = h12.add(h12.rearrange(Simd.X2));
            h12 = h12.add(h12.rearrange(Simd.X1));
            out[2] = h12.lane(0) - 8 * e2;
            FloatVector h13 = c3; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h13 = h13.add(h13.rearrange(Simd.X8));
            if (Simd.FL >= 8) h13 = h13.add(h13.rearrange(Simd.X4));
            h13 = h13.add(h13.rearrange(Simd.X2));
            h13 = h13.add(h13.rearrange(Simd.X1));
            out[3] = h13.lane(0) - 8 * e3;
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
            FloatVector h14 = s0.add(s1); // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h14 = h14.add(h14.rearrange(Simd.X8));
            if (Simd.FL >= 8) h14 = h14.add(h14.rearrange(Simd.X4));
            h14 = h14.add(h14.rearrange(Simd.X2));
            h14 = h14.add(h14.rearrange(Simd.X1));
            float sum = h14.lane(0);
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
            FloatVector h15 = c0; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h15 = h15.add(h15.rearrange(Simd.X8));
            if (Simd.FL >= 8) h15 = h15.add(h15.rearrange(Simd.X4));
            h15 = h15.add(h15.rearrange(Simd.X2));
            h15 = h15.add(h15.rearrange(Simd.X1));
            float r0 = h15.lane(0), r1 = Simd.sum(c1);
            FloatVector h16 = c2; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h16 = h16.add(h16.rearrange(Simd.X8));
            if (Simd.FL >= 8) h16 = h16.add(h16.rearrange(Simd.X4));
            h16 = h16.add(h16.rearrange(Simd.X2));
            h16 = h16.add(h16.rearrange(Simd.X1));
            float r2 = h16.lane(0), r3 = Simd.sum(c3);
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
     * IEEE half bits (sign-extended in int lanes) to float, exactly, with no subnormal float
     * anywhere in the arithmetic (the method of Maratyszcza's FP16 library): the exponent and
     * mantissa moved to the top (h << 17, sign dropped); normals and Inf/NaN as
     * bits((e >>> 4) + 224·2^23) · 2^-112 (the exponent field stays ≥ 224, so Inf/NaN survive the
     * scaling); subnormal halves as bits((e >>> 17) | 126·2^23) − 0.5 = m·2^-24; then the sign.
     * The shift-and-scale by 2^112 used before fed subnormal floats to the multiply, which x86
     * cores run through a microcode assist: with weights like a model's (σ 0.02, 0.25% subnormal
     * halves) a row of 8192 F16 weights cost 2.53 ns per 32 elements instead of 1.72, this way 2.0
     * whatever the data.
     */
    static FloatVector halfToFloat(IntVector h) {
        IntVector e = h.lanewise(VectorOperators.LSHL, 17);
        FloatVector norm = e.lanewise(VectorOperators.LSHR, 4).add(0xE0 << 23).reinterpretAsFloats().mul(0x1p-112f);
        FloatVector sub = e.lanewise(VectorOperators.LSHR, 17).or(126 << 23).reinterpretAsFloats().sub(0.5f);
        FloatVector mag = norm.blend(sub, e.compare(VectorOperators.ULT, 1 << 27).cast(F));
        return mag.reinterpretAsInts().or(h.and(0x80000000)).reinterpretAsFloats();
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
                FloatVector h17 = acc; // lanes summed as Simd.sum does, written out (see there)
                if (Simd.FL == 16) h17 = h17.add(h17.rearrange(Simd.X8));
                if (Simd.FL >= 8) h17 = h17.add(h17.rearrange(Simd.X4));
                h17 = h17.add(h17.rearrange(Simd.X2));
                h17 = h17.add(h17.rearrange(Simd.X1));
                sum = h17.lane(0);
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
