package dev.quanta.backend.cpu;

import static dev.quanta.backend.cpu.Simd.BC;
import static dev.quanta.backend.cpu.Simd.C;
import static dev.quanta.backend.cpu.Simd.F;
import static dev.quanta.backend.cpu.Simd.I;
import static dev.quanta.backend.cpu.Simd.PARTS;
import static dev.quanta.backend.cpu.Simd.SC;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Integer dots of K-quant weight rows with Q8_K activations ({@link Activations#quantizeRowQ8K}),
 * as ggml's {@code ggml_vec_dot_q4_K_q8_K} / {@code q6_K_q8_K}: per super-block of 256 the
 * weight quants (unsigned, as stored) are multiplied with the int16 activation quants, summed per
 * sub-block, multiplied by the sub-block's integer scale and accumulated in int32 lanes; the
 * float product {@code d_w·d_x} is applied once per super-block. Offsets never touch the vector
 * loop: Q4_K's mins ({@code −dmin·m·Σa}) and Q6_K's −32 ({@code −32·sc·Σa}) use the activation
 * group sums ({@code bsums}).
 */
final class KQuantKernels {
    private KQuantKernels() {}

    /** get_scale_min_k4: the 6-bit scale (min = false) or min (min = true) of sub-block j; scales at w[s..s+12). */
    static int scaleMinK4(MemorySegment w, long s, int j, boolean min) {
        if (j < 4) return w.get(DotKernels.I8, s + j + (min ? 4 : 0)) & 63;
        int hi = w.get(DotKernels.I8, s + j + 4) & 0xff;
        int lo = w.get(DotKernels.I8, s + j - (min ? 0 : 4)) & 0xff;
        return (min ? hi >>> 4 : hi & 0xF) | ((lo >>> 6) << 4);
    }

    // ---- Q4_K: (d f16, dmin f16, scales[12], qs[128]) per 256 --------------------------------------

    static final class Q4_K extends DotKernels {
        static final int BLOCK = 144;

        boolean quantizedActivations() { return true; }

        @Override
        boolean superBlockActivations() { return true; }

        /**
         * Σ over the 8 sub-blocks of sc·Σ q·a for the super-block at w[off] and activations
         * qa[x..x+256). Kept a method of scalars in and out: C2 inlines it whole, or calls it
         * without boxing vectors (a 256-element body inlined into a bigger loop hit C2's node
         * cutoff and left vector helpers out of line, 4x slower).
         */
        static int block(MemorySegment w, long off, short[] qa, int x) {
            IntVector isum = IntVector.zero(I);
            for (int c = 0; c < 4; c++) {
                long q = off + 16 + 32 * c;
                int xc = x + 64 * c;
                ShortVector lo = ShortVector.zero(SC), hi = lo;
                for (int e = 0; e < 32; e += C) {
                    ShortVector s = (ShortVector) ByteVector.fromMemorySegment(BC, w, q + e, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SC, 0);
                    lo = lo.add(s.and((short) 0x0f).mul(ShortVector.fromArray(SC, qa, xc + e)));
                    hi = hi.add(s.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(SC, qa, xc + 32 + e)));
                }
                int s1 = scaleMinK4(w, off + 4, 2 * c, false), s2 = scaleMinK4(w, off + 4, 2 * c + 1, false);
                for (int part = 0; part < PARTS; part++) {
                    isum = isum.add(((IntVector) lo.convertShape(VectorOperators.S2I, I, part)).mul(s1))
                            .add(((IntVector) hi.convertShape(VectorOperators.S2I, I, part)).mul(s2));
                }
            }
            return isum.reduceLanes(VectorOperators.ADD);
        }

        float dot1(MemorySegment w, long off, Activations a, int j) {
            float[] dk = a.dk;
            int[] bs = a.bs;
            int ao = j * a.k, nb = a.k >> 8;
            float acc = 0;
            for (int b = 0; b < nb; b++, off += BLOCK, ao += 256) {
                float dx = dk[ao >> 8];
                int mins = 0;
                for (int sb = 0, g = ao >> 4; sb < 8; sb++, g += 2) mins += scaleMinK4(w, off + 4, sb, true) * (bs[g] + bs[g + 1]);
                acc += h2f(w, off) * dx * block(w, off, a.qa, ao) - h2f(w, off + 2) * dx * mins;
            }
            return acc;
        }
    }

    // ---- Q6_K: (ql[128], qh[64], scales int8[16], d f16) per 256 ------------------------------------

    static final class Q6_K extends DotKernels {
        static final int BLOCK = 210;

        boolean quantizedActivations() { return true; }

        @Override
        boolean superBlockActivations() { return true; }

        /** Σ sc·Σ q·a (q unsigned 0..63) over one half (128 elements) of the super-block at w[off]; activations qa[x..x+128). */
        static int half(MemorySegment w, long off, int h, short[] qa, int x) {
            long ql = off + 64 * h, qh = off + 128 + 32 * h, sc = off + 192 + 8 * h;
            IntVector isum = IntVector.zero(I);
            for (int is = 0; is < 2; is++) {
                int l0 = 16 * is;
                ShortVector p1 = ShortVector.zero(SC), p2 = p1, p3 = p1, p4 = p1;
                for (int e = l0; e < l0 + 16; e += C) {
                    ShortVector l1 = (ShortVector) ByteVector.fromMemorySegment(BC, w, ql + e, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SC, 0);
                    ShortVector l2 = (ShortVector) ByteVector.fromMemorySegment(BC, w, ql + 32 + e, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SC, 0);
                    ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(BC, w, qh + e, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SC, 0);
                    ShortVector q1 = l1.and((short) 0x0f).or(hb.and((short) 3).lanewise(VectorOperators.LSHL, 4));
                    ShortVector q2 = l2.and((short) 0x0f).or(hb.and((short) 12).lanewise(VectorOperators.LSHL, 2));
                    ShortVector q3 = l1.lanewise(VectorOperators.LSHR, 4).or(hb.and((short) 48));
                    ShortVector q4 = l2.lanewise(VectorOperators.LSHR, 4).or(hb.and((short) 192).lanewise(VectorOperators.LSHR, 2));
                    p1 = p1.add(q1.mul(ShortVector.fromArray(SC, qa, x + e)));
                    p2 = p2.add(q2.mul(ShortVector.fromArray(SC, qa, x + 32 + e)));
                    p3 = p3.add(q3.mul(ShortVector.fromArray(SC, qa, x + 64 + e)));
                    p4 = p4.add(q4.mul(ShortVector.fromArray(SC, qa, x + 96 + e)));
                }
                int s1 = w.get(I8, sc + is), s2 = w.get(I8, sc + is + 2), s3 = w.get(I8, sc + is + 4), s4 = w.get(I8, sc + is + 6);
                for (int part = 0; part < PARTS; part++) {
                    isum = isum.add(((IntVector) p1.convertShape(VectorOperators.S2I, I, part)).mul(s1))
                            .add(((IntVector) p2.convertShape(VectorOperators.S2I, I, part)).mul(s2))
                            .add(((IntVector) p3.convertShape(VectorOperators.S2I, I, part)).mul(s3))
                            .add(((IntVector) p4.convertShape(VectorOperators.S2I, I, part)).mul(s4));
                }
            }
            return isum.reduceLanes(VectorOperators.ADD);
        }

        float dot1(MemorySegment w, long off, Activations a, int j) {
            float[] dk = a.dk;
            int[] bs = a.bs;
            int ao = j * a.k, nb = a.k >> 8;
            float acc = 0;
            for (int b = 0; b < nb; b++, off += BLOCK, ao += 256) {
                int offs = 0;
                for (int g = 0; g < 16; g++) {
                    // group g of 16 elements: half g/8, quarter (g%8)/2, is = g%2 -> scale index 8·half + is + 2·quarter
                    int sIdx = 8 * (g >> 3) + (g & 1) + 2 * ((g & 7) >> 1);
                    offs += w.get(I8, off + 192 + sIdx) * bs[(ao >> 4) + g];
                }
                int isum = half(w, off, 0, a.qa, ao) + half(w, off, 1, a.qa, ao + 128);
                acc += h2f(w, off + 208) * dk[ao >> 8] * (isum - 32 * offs);
            }
            return acc;
        }
    }

    // ---- scalar versions (vectorBits=0): the same integer math in plain Java ----------------------

    static final class ScalarQ4_K extends DotKernels {
        boolean quantizedActivations() { return true; }

        @Override
        boolean superBlockActivations() { return true; }

        float dot1(MemorySegment w, long off, Activations a, int j) {
            short[] qa = a.qa;
            int ao = j * a.k, nb = a.k >> 8;
            float acc = 0;
            for (int b = 0; b < nb; b++, off += Q4_K.BLOCK, ao += 256) {
                float dx = a.dk[ao >> 8];
                int isum = 0, mins = 0;
                for (int sb = 0; sb < 8; sb++) {
                    int c = sb >> 1, shift = (sb & 1) * 4, x = ao + 32 * sb, s = 0;
                    for (int l = 0; l < 32; l++) s += ((w.get(I8, off + 16 + 32 * c + l) & 0xff) >>> shift & 0xF) * qa[x + l];
                    isum += s * scaleMinK4(w, off + 4, sb, false);
                    mins += scaleMinK4(w, off + 4, sb, true) * (a.bs[x >> 4] + a.bs[(x >> 4) + 1]);
                }
                acc += h2f(w, off) * dx * isum - h2f(w, off + 2) * dx * mins;
            }
            return acc;
        }
    }

    static final class ScalarQ6_K extends DotKernels {
        boolean quantizedActivations() { return true; }

        @Override
        boolean superBlockActivations() { return true; }

        float dot1(MemorySegment w, long off, Activations a, int j) {
            short[] qa = a.qa;
            int ao = j * a.k, nb = a.k >> 8;
            float acc = 0;
            for (int b = 0; b < nb; b++, off += Q6_K.BLOCK, ao += 256) {
                int isum = 0;
                for (int h = 0; h < 2; h++) {
                    long ql = off + 64 * h, qh = off + 128 + 32 * h, sc = off + 192 + 8 * h;
                    int x = ao + 128 * h;
                    for (int l = 0; l < 32; l++) {
                        int is = l / 16, hb = w.get(I8, qh + l) & 0xff;
                        int a1 = w.get(I8, ql + l) & 0xff, a2 = w.get(I8, ql + 32 + l) & 0xff;
                        int q1 = ((a1 & 0xF) | ((hb & 3) << 4)) - 32, q2 = ((a2 & 0xF) | (((hb >>> 2) & 3) << 4)) - 32;
                        int q3 = ((a1 >>> 4) | (((hb >>> 4) & 3) << 4)) - 32, q4 = ((a2 >>> 4) | (((hb >>> 6) & 3) << 4)) - 32;
                        isum += w.get(I8, sc + is) * q1 * qa[x + l] + w.get(I8, sc + is + 2) * q2 * qa[x + 32 + l]
                                + w.get(I8, sc + is + 4) * q3 * qa[x + 64 + l] + w.get(I8, sc + is + 6) * q4 * qa[x + 96 + l];
                    }
                }
                acc += h2f(w, off + 208) * a.dk[ao >> 8] * isum;
            }
            return acc;
        }
    }
}
