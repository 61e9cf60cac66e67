package dev.quanta.backend.cpu;

import static dev.quanta.backend.cpu.Simd.BC;
import static dev.quanta.backend.cpu.Simd.C;
import static dev.quanta.backend.cpu.Simd.F;
import static dev.quanta.backend.cpu.Simd.I;
import static dev.quanta.backend.cpu.Simd.PARTS;
import static dev.quanta.backend.cpu.Simd.SC;

import dev.quanta.kernels.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Integer dots of the other 32-element block types — Q4_1, Q5_0, Q5_1, IQ4_NL — with the same Q8
 * activation blocks as Q4_0/Q8_0 ({@link Activations#qa}, {@link Activations#da}, {@link Activations#sa}).
 * ggml pairs Q4_1/Q5_1 with Q8_1 (a Q8_0 block plus s = d·Σq); here s is da·sa, exact.
 * <ul>
 * <li>Q4_1 (d, m, qs[16]): x = d·q + m, so w·a = d·da·Σq·a + m·da·Σa;</li>
 * <li>Q5_0 (d, qh: u32, qs[16]): q = nibble | bit j of qh « 4, x = d·(q − 16);</li>
 * <li>Q5_1 (d, m, qh, qs[16]): x = d·q + m with q as in Q5_0;</li>
 * <li>IQ4_NL (d, qs[16]): x = d·kvalues[nibble], looked up with a byte {@code selectFrom} (one
 * {@code vpshufb}); |kvalue·a| ≤ 127·127, so two products still fit an int16.</li>
 * </ul>
 * Unsigned quants are zero-extended to int16 lanes and the offsets are folded into a scalar
 * correction with the activation block sums. As in {@link DotKernels}, the loops are flat: no
 * calls to our own helpers inside (C2 would box vectors in a helper left out of line).
 * {@code dot4} is four {@code dot1} calls (the weight row stays in L1 between them).
 */
final class Q32Kernels {
    private Q32Kernels() {}

    /** ggml's kvalues_iq4nl. */
    static final byte[] IQ4NL_VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    static DotKernels forType(GgmlType type, boolean scalar) {
        if (scalar) return new Scalar(type);
        return switch (type) {
            case Q4_1 -> new Q4_1();
            case Q5_0 -> new Q5(GgmlType.Q5_0);
            case Q5_1 -> new Q5(GgmlType.Q5_1);
            case IQ4_NL -> new IQ4_NL();
            default -> throw new IllegalArgumentException("not a 32-element block type with an integer kernel: " + type);
        };
    }

    static boolean covers(GgmlType type) {
        return type == GgmlType.Q4_1 || type == GgmlType.Q5_0 || type == GgmlType.Q5_1 || type == GgmlType.IQ4_NL;
    }

    // ---- Q4_1 --------------------------------------------------------------------------------

    static final class Q4_1 extends DotKernels {
        boolean quantizedActivations() { return true; }

        float dot1(MemorySegment w, long off, Activations a, int j) {
            short[] qa = a.qa;
            float[] da = a.da;
            int[] sa = a.sa;
            int ao = j * a.k, nb = a.k >> 5;
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
            float corr = 0;
            int b = 0;
            for (; b + 1 < nb; b += 2, off += 40, ao += 64) {
                IntVector i0 = IntVector.zero(I), i1 = i0;
                for (int c = 0; c < 16; c += C) {
                    ShortVector s = (ShortVector) ByteVector.fromMemorySegment(BC, w, off + 4 + c, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SC, 0);
                    ShortVector t = (ShortVector) ByteVector.fromMemorySegment(BC, w, off + 24 + c, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SC, 0);
                    ShortVector p = s.and((short) 0x0f).mul(ShortVector.fromArray(SC, qa, ao + c))
                            .add(s.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(SC, qa, ao + 16 + c)));
                    ShortVector q = t.and((short) 0x0f).mul(ShortVector.fromArray(SC, qa, ao + 32 + c))
                            .add(t.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(SC, qa, ao + 48 + c)));
                    for (int part = 0; part < PARTS; part++) {
                        i0 = i0.add(p.convertShape(VectorOperators.S2I, I, part));
                        i1 = i1.add(q.convertShape(VectorOperators.S2I, I, part));
                    }
                }
                float dx0 = da[ao >> 5], dx1 = da[(ao >> 5) + 1];
                acc0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(S16, off)) * dx0), acc0);
                acc1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(S16, off + 20)) * dx1), acc1);
                corr += Float.float16ToFloat(w.get(S16, off + 2)) * dx0 * sa[ao >> 5]
                        + Float.float16ToFloat(w.get(S16, off + 22)) * dx1 * sa[(ao >> 5) + 1];
            }
            FloatVector h0 = acc0.add(acc1); // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h0 = h0.add(h0.rearrange(Simd.X8));
            if (Simd.FL >= 8) h0 = h0.add(h0.rearrange(Simd.X4));
            h0 = h0.add(h0.rearrange(Simd.X2));
            h0 = h0.add(h0.rearrange(Simd.X1));
            float sum = h0.lane(0) + corr;
            if (b < nb) sum += Scalar.block(GgmlType.Q4_1, w, off, qa, ao, da[ao >> 5], sa[ao >> 5]);
            return sum;
        }
    }

    // ---- Q5_0 / Q5_1 ---------------------------------------------------------------------------

    /** Q5_0 (offset −16 on q) and Q5_1 (offset m on x); the fifth bits come from qh by a per-lane variable shift. */
    static final class Q5 extends DotKernels {
        private final boolean q51;
        private final int bytes, qhAt, qsAt;

        Q5(GgmlType type) {
            this.q51 = type == GgmlType.Q5_1;
            this.bytes = q51 ? 24 : 22;
            this.qhAt = q51 ? 4 : 2;
            this.qsAt = q51 ? 8 : 6;
        }

        boolean quantizedActivations() { return true; }

        float dot1(MemorySegment w, long off, Activations a, int j) {
            short[] qa = a.qa;
            float[] da = a.da;
            int[] sa = a.sa;
            int ao = j * a.k, nb = a.k >> 5, bytes = this.bytes, qhAt = this.qhAt, qsAt = this.qsAt;
            boolean q51 = this.q51;
            ShortVector lane = ShortVector.zero(SC).addIndex(1);
            FloatVector acc = FloatVector.zero(F);
            float corr = 0;
            for (int b = 0; b < nb; b++, off += bytes, ao += 32) {
                int qh = w.get(I32, off + qhAt);
                IntVector is = IntVector.zero(I);
                for (int c = 0; c < 16; c += C) {
                    ShortVector s = (ShortVector) ByteVector.fromMemorySegment(BC, w, off + qsAt + c, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SC, 0);
                    ShortVector hl = ShortVector.broadcast(SC, (short) (qh >>> c)).lanewise(VectorOperators.LSHR, lane).and((short) 1).lanewise(VectorOperators.LSHL, 4);
                    ShortVector hh = ShortVector.broadcast(SC, (short) (qh >>> (16 + c))).lanewise(VectorOperators.LSHR, lane).and((short) 1).lanewise(VectorOperators.LSHL, 4);
                    ShortVector p = s.and((short) 0x0f).or(hl).mul(ShortVector.fromArray(SC, qa, ao + c))
                            .add(s.lanewise(VectorOperators.LSHR, 4).or(hh).mul(ShortVector.fromArray(SC, qa, ao + 16 + c)));
                    for (int part = 0; part < PARTS; part++) is = is.add(p.convertShape(VectorOperators.S2I, I, part));
                }
                float dx = da[ao >> 5];
                float d = Float.float16ToFloat(w.get(S16, off)) * dx;
                acc = ((FloatVector) is.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d), acc);
                corr += (q51 ? Float.float16ToFloat(w.get(S16, off + 2)) * dx : -16 * d) * sa[ao >> 5];
            }
            FloatVector h1 = acc; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h1 = h1.add(h1.rearrange(Simd.X8));
            if (Simd.FL >= 8) h1 = h1.add(h1.rearrange(Simd.X4));
            h1 = h1.add(h1.rearrange(Simd.X2));
            h1 = h1.add(h1.rearrange(Simd.X1));
            return h1.lane(0) + corr;
        }
    }

    // ---- IQ4_NL ------------------------------------------------------------------------------

    static final class IQ4_NL extends DotKernels {
        boolean quantizedActivations() { return true; }

        float dot1(MemorySegment w, long off, Activations a, int j) {
            short[] qa = a.qa;
            float[] da = a.da;
            int ao = j * a.k, nb = a.k >> 5;
            ByteVector table = ByteVector.fromArray(ByteVector.SPECIES_128, IQ4NL_VALUES, 0);
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
            int b = 0;
            for (; b + 1 < nb; b += 2, off += 36, ao += 64) {
                ByteVector s = ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w, off + 2, LE);
                ByteVector t = ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w, off + 20, LE);
                ByteVector sl = s.and((byte) 0x0f).selectFrom(table), sh = s.lanewise(VectorOperators.LSHR, 4).selectFrom(table);
                ByteVector tl = t.and((byte) 0x0f).selectFrom(table), th = t.lanewise(VectorOperators.LSHR, 4).selectFrom(table);
                IntVector i0 = IntVector.zero(I), i1 = i0;
                for (int c = 0; c < 16; c += C) {
                    int part = c / C;
                    ShortVector p = ((ShortVector) sl.convertShape(VectorOperators.B2S, SC, part)).mul(ShortVector.fromArray(SC, qa, ao + c))
                            .add(((ShortVector) sh.convertShape(VectorOperators.B2S, SC, part)).mul(ShortVector.fromArray(SC, qa, ao + 16 + c)));
                    ShortVector q = ((ShortVector) tl.convertShape(VectorOperators.B2S, SC, part)).mul(ShortVector.fromArray(SC, qa, ao + 32 + c))
                            .add(((ShortVector) th.convertShape(VectorOperators.B2S, SC, part)).mul(ShortVector.fromArray(SC, qa, ao + 48 + c)));
                    for (int ip = 0; ip < PARTS; ip++) {
                        i0 = i0.add(p.convertShape(VectorOperators.S2I, I, ip));
                        i1 = i1.add(q.convertShape(VectorOperators.S2I, I, ip));
                    }
                }
                acc0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(S16, off)) * da[ao >> 5]), acc0);
                acc1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(S16, off + 18)) * da[(ao >> 5) + 1]), acc1);
            }
            FloatVector h2 = acc0.add(acc1); // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h2 = h2.add(h2.rearrange(Simd.X8));
            if (Simd.FL >= 8) h2 = h2.add(h2.rearrange(Simd.X4));
            h2 = h2.add(h2.rearrange(Simd.X2));
            h2 = h2.add(h2.rearrange(Simd.X1));
            float sum = h2.lane(0);
            if (b < nb) sum += Scalar.block(GgmlType.IQ4_NL, w, off, qa, ao, da[ao >> 5], a.sa[ao >> 5]);
            return sum;
        }
    }

    // ---- scalar (vectorBits=0, and odd tails) --------------------------------------------------

    /** The same integer math in plain Java, one block at a time. */
    static final class Scalar extends DotKernels {
        private final GgmlType type;
        private final int bytes;

        Scalar(GgmlType type) {
            this.type = type;
            this.bytes = (int) type.rowBytes(32);
        }

        boolean quantizedActivations() { return true; }

        float dot1(MemorySegment w, long off, Activations a, int j) {
            int ao = j * a.k, nb = a.k >> 5;
            float acc = 0;
            for (int b = 0; b < nb; b++, off += bytes, ao += 32) acc += block(type, w, off, a.qa, ao, a.da[ao >> 5], a.sa[ao >> 5]);
            return acc;
        }

        /** One block of {@code type} at w[off] against activations qa[ao..ao+32) with scale dx and quant sum sx. */
        static float block(GgmlType type, MemorySegment w, long off, short[] qa, int ao, float dx, int sx) {
            float d = Float.float16ToFloat(w.get(S16, off));
            int s = 0;
            switch (type) {
                case Q4_1 -> {
                    for (int i = 0; i < 16; i++) {
                        int q = w.get(I8, off + 4 + i) & 0xff;
                        s += (q & 15) * qa[ao + i] + (q >>> 4) * qa[ao + 16 + i];
                    }
                    return s * d * dx + Float.float16ToFloat(w.get(S16, off + 2)) * dx * sx;
                }
                case Q5_0, Q5_1 -> {
                    boolean q51 = type == GgmlType.Q5_1;
                    int qh = w.get(I32, off + (q51 ? 4 : 2));
                    long qs = off + (q51 ? 8 : 6);
                    for (int i = 0; i < 16; i++) {
                        int q = w.get(I8, qs + i) & 0xff;
                        int lo = (q & 15) | (((qh >>> i) & 1) << 4), hi = (q >>> 4) | (((qh >>> (i + 16)) & 1) << 4);
                        s += lo * qa[ao + i] + hi * qa[ao + 16 + i];
                    }
                    return q51 ? s * d * dx + Float.float16ToFloat(w.get(S16, off + 2)) * dx * sx : (s - 16 * sx) * d * dx;
                }
                case IQ4_NL -> {
                    for (int i = 0; i < 16; i++) {
                        int q = w.get(I8, off + 2 + i) & 0xff;
                        s += IQ4NL_VALUES[q & 15] * qa[ao + i] + IQ4NL_VALUES[q >>> 4] * qa[ao + 16 + i];
                    }
                    return s * d * dx;
                }
                default -> throw new IllegalArgumentException("not a 32-element block type: " + type);
            }
        }
    }
}
