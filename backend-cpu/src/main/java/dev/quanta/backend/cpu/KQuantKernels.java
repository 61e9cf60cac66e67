package dev.quanta.backend.cpu;


import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Integer dots of K-quant weight rows with Q8_K activations ({@link Activations#quantizeRowQ8K}),
 * as ggml's {@code ggml_vec_dot_q4_K_q8_K} / {@code q5_K_q8_K} / {@code q6_K_q8_K}: per super-block of 256 the
 * weight quants (unsigned, as stored) are multiplied with the int16 activation quants, summed per
 * sub-block, multiplied by the sub-block's integer scale and accumulated in int32 lanes; the
 * float product {@code d_w·d_x} is applied once per super-block. Offsets never touch the vector
 * loop: Q4_K's mins ({@code −dmin·m·Σa}) and Q6_K's −32 ({@code −32·sc·Σa}) use the activation
 * group sums ({@code bsums}).
 */
final class KQuantKernels {
    private KQuantKernels() {}

    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;

    /** get_scale_min_k4: the 6-bit scale (min = false) or min (min = true) of sub-block j; scales at w[s..s+12). */
    static int scaleMinK4(MemorySegment w, long s, int j, boolean min) {
        if (j < 4) return w.get(DotKernels.I8, s + j + (min ? 4 : 0)) & 63;
        int hi = w.get(DotKernels.I8, s + j + 4) & 0xff;
        int lo = w.get(DotKernels.I8, s + j - (min ? 0 : 4)) & 0xff;
        return (min ? hi >>> 4 : hi & 0xF) | ((lo >>> 6) << 4);
    }

    // ---- vector shapes of the K-quant kernels ------------------------------------------------------
    // Full-width int16 lanes (32 at 512 bits) fed by half-width byte loads: one load + zero-extend
    // widens 32 quants at once. Products q·a fit int16; adjacent pairs are summed into int32 lanes by
    // reinterpreting (v + (v << 16)) >> 16 (the pair sum fits 16 bits, so the carry-free high half is
    // exact), which halves the lanes the int32 scale multiply sees.

    static final int KB = Simd.SCALAR ? 128 : Simd.BITS;
    static final VectorSpecies<Byte> BK = VectorSpecies.of(byte.class, VectorShape.forBitSize(KB / 2));
    static final VectorSpecies<Short> SK = VectorSpecies.of(short.class, VectorShape.forBitSize(KB));
    static final VectorSpecies<Integer> IK = VectorSpecies.of(int.class, VectorShape.forBitSize(KB));
    static final VectorSpecies<Float> FK = VectorSpecies.of(float.class, VectorShape.forBitSize(KB));
    /** int16 lanes per vector: 32, 16 or 8. */
    static final int SL = SK.length();
    /** int32 lanes per vector. */
    static final int IL = IK.length();

    /** Scale (j < 8) of a Q4_K/Q5_K scales[12] field read as lo = bytes 0..7, hi = bytes 8..11. */
    static int sc6(long lo, int hi, int j) {
        return j < 4 ? (int) (lo >>> (8 * j)) & 63
                : ((hi >>> (8 * (j - 4))) & 15) | (((int) (lo >>> (8 * (j - 4) + 6)) & 3) << 4);
    }

    /** Min (j < 8) of a Q4_K/Q5_K scales[12] field. */
    static int min6(long lo, int hi, int j) {
        return j < 4 ? (int) (lo >>> (32 + 8 * j)) & 63
                : ((hi >>> (8 * (j - 4) + 4)) & 15) | (((int) (lo >>> (32 + 8 * (j - 4) + 6)) & 3) << 4);
    }

    /** Σ_j min_j · (bsums of sub-block j) for the super-block whose activation group sums start at bs[g]. */
    static int mins(long lo, int hi, int[] bs, int g) {
        int m = 0;
        for (int j = 0; j < 8; j++) m += min6(lo, hi, j) * (bs[g + 2 * j] + bs[g + 2 * j + 1]);
        return m;
    }

    // ---- Q4_K: (d f16, dmin f16, scales[12], qs[128]) per 256 --------------------------------------

    static class Q4_K extends DotKernels {
        static final int BLOCK = 144;

        boolean quantizedActivations() { return true; }

        @Override
        boolean superBlockActivations() { return true; }

        /**
         * Per super-block: 4 chunks of 32 bytes, each holding the low (sub-block 2c) and high
         * (2c+1) nibbles of 64 elements; products in int16, pair-summed into int32, times the
         * sub-block scale; one float FMA per super-block. The loop body is flat (no calls to our
         * vector helpers) so C2 keeps every vector in registers.
         */
        float dot1(MemorySegment w, long off, Activations a, int j) {
            short[] qa = a.qa;
            float[] dk = a.dk;
            int[] bs = a.bs;
            int ao = j * a.k, nb = a.k >> 8;
            FloatVector acc = FloatVector.zero(FK);
            float corr = 0;
            for (int b = 0; b < nb; b++, off += BLOCK, ao += 256) {
                long lo = w.get(I64, off + 4);
                int hi = w.get(I32, off + 12);
                IntVector isum = IntVector.zero(IK);
                for (int c = 0; c < 4; c++) {
                    int s1 = sc6(lo, hi, 2 * c), s2 = sc6(lo, hi, 2 * c + 1);
                    long q = off + 16 + 32 * c;
                    int xc = ao + 64 * c;
                    for (int e = 0; e < 32; e += SL) {
                        ShortVector s = (ShortVector) ByteVector.fromMemorySegment(BK, w, q + e, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SK, 0);
                        IntVector pl = s.and((short) 0x0f).mul(ShortVector.fromArray(SK, qa, xc + e)).reinterpretAsInts();
                        IntVector ph = s.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(SK, qa, xc + 32 + e)).reinterpretAsInts();
                        pl = pl.add(pl.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                        ph = ph.add(ph.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                        isum = isum.add(pl.mul(s1)).add(ph.mul(s2));
                    }
                }
                float dx = dk[ao >> 8];
                acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(FK, h2f(w, off) * dx), acc);
                corr += h2f(w, off + 2) * dx * mins(lo, hi, bs, ao >> 4);
            }
            FloatVector h0 = acc; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h0 = h0.add(h0.rearrange(Simd.X8));
            if (Simd.FL >= 8) h0 = h0.add(h0.rearrange(Simd.X4));
            h0 = h0.add(h0.rearrange(Simd.X2));
            h0 = h0.add(h0.rearrange(Simd.X1));
            return h0.lane(0) - corr;
        }

        /** Four activation rows per pass: the nibbles are loaded and split once, the scales decoded once. */
        @Override
        void dot4(MemorySegment w, long off, Activations a, int j, float[] out) {
            short[] qa = a.qa;
            float[] dk = a.dk;
            int[] bs = a.bs;
            int k = a.k, nb = k >> 8;
            int a0 = j * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
            FloatVector c0 = FloatVector.zero(FK), c1 = c0, c2 = c0, c3 = c0;
            float e0 = 0, e1 = 0, e2 = 0, e3 = 0;
            for (int b = 0; b < nb; b++, off += BLOCK, a0 += 256, a1 += 256, a2 += 256, a3 += 256) {
                long lo = w.get(I64, off + 4);
                int hi = w.get(I32, off + 12);
                IntVector i0 = IntVector.zero(IK), i1 = i0, i2 = i0, i3 = i0;
                for (int c = 0; c < 4; c++) {
                    int s1 = sc6(lo, hi, 2 * c), s2 = sc6(lo, hi, 2 * c + 1);
                    long q = off + 16 + 32 * c;
                    int xc = 64 * c;
                    for (int e = 0; e < 32; e += SL) {
                        ShortVector s = (ShortVector) ByteVector.fromMemorySegment(BK, w, q + e, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SK, 0);
                        ShortVector l = s.and((short) 0x0f), h = s.lanewise(VectorOperators.LSHR, 4);
                        int x = xc + e;
                        IntVector pl = l.mul(ShortVector.fromArray(SK, qa, a0 + x)).reinterpretAsInts();
                        IntVector ph = h.mul(ShortVector.fromArray(SK, qa, a0 + x + 32)).reinterpretAsInts();
                        pl = pl.add(pl.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                        ph = ph.add(ph.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                        i0 = i0.add(pl.mul(s1)).add(ph.mul(s2));
                        pl = l.mul(ShortVector.fromArray(SK, qa, a1 + x)).reinterpretAsInts();
                        ph = h.mul(ShortVector.fromArray(SK, qa, a1 + x + 32)).reinterpretAsInts();
                        pl = pl.add(pl.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                        ph = ph.add(ph.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                        i1 = i1.add(pl.mul(s1)).add(ph.mul(s2));
                        pl = l.mul(ShortVector.fromArray(SK, qa, a2 + x)).reinterpretAsInts();
                        ph = h.mul(ShortVector.fromArray(SK, qa, a2 + x + 32)).reinterpretAsInts();
                        pl = pl.add(pl.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                        ph = ph.add(ph.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                        i2 = i2.add(pl.mul(s1)).add(ph.mul(s2));
                        pl = l.mul(ShortVector.fromArray(SK, qa, a3 + x)).reinterpretAsInts();
                        ph = h.mul(ShortVector.fromArray(SK, qa, a3 + x + 32)).reinterpretAsInts();
                        pl = pl.add(pl.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                        ph = ph.add(ph.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                        i3 = i3.add(pl.mul(s1)).add(ph.mul(s2));
                    }
                }
                float d = h2f(w, off), dm = h2f(w, off + 2);
                float d0 = dk[a0 >> 8], d1 = dk[a1 >> 8], d2 = dk[a2 >> 8], d3 = dk[a3 >> 8];
                c0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(FK, d * d0), c0);
                c1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(FK, d * d1), c1);
                c2 = ((FloatVector) i2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(FK, d * d2), c2);
                c3 = ((FloatVector) i3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(FK, d * d3), c3);
                e0 += dm * d0 * mins(lo, hi, bs, a0 >> 4);
                e1 += dm * d1 * mins(lo, hi, bs, a1 >> 4);
                e2 += dm * d2 * mins(lo, hi, bs, a2 >> 4);
                e3 += dm * d3 * mins(lo, hi, bs, a3 >> 4);
            }
            FloatVector h1 = c0; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h1 = h1.add(h1.rearrange(Simd.X8));
            if (Simd.FL >= 8) h1 = h1.add(h1.rearrange(Simd.X4));
            h1 = h1.add(h1.rearrange(Simd.X2));
            h1 = h1.add(h1.rearrange(Simd.X1));
            out[0] = h1.lane(0) - e0;
            FloatVector h2 = c1; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h2 = h2.add(h2.rearrange(Simd.X8));
            if (Simd.FL >= 8) h2 = h2.add(h2.rearrange(Simd.X4));
            h2 = h2.add(h2.rearrange(Simd.X2));
            h2 = h2.add(h2.rearrange(Simd.X1));
            out[1] = h2.lane(0) - e1;
            FloatVector h3 = c2; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h3 = h3.add(h3.rearrange(Simd.X8));
            if (Simd.FL >= 8) h3 = h3.add(h3.rearrange(Simd.X4));
            h3 = h3.add(h3.rearrange(Simd.X2));
            h3 = h3.add(h3.rearrange(Simd.X1));
            out[2] = h3.lane(0) - e2;
            FloatVector h4 = c3; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h4 = h4.add(h4.rearrange(Simd.X8));
            if (Simd.FL >= 8) h4 = h4.add(h4.rearrange(Simd.X4));
            h4 = h4.add(h4.rearrange(Simd.X2));
            h4 = h4.add(h4.rearrange(Simd.X1));
            out[3] = h4.lane(0) - e3;
        }
    }

    // ---- Q5_K: (d f16, dmin f16, scales[12], qh[32], qs[128]) per 256 ------------------------------

    static final class Q5_K extends DotKernels {
        static final int BLOCK = 176;

        boolean quantizedActivations() { return true; }

        @Override
        boolean superBlockActivations() { return true; }

        /** As Q4_K with the fifth bit of element l of chunk c at bit 2c (low nibble) / 2c+1 (high) of qh[l]. */
        float dot1(MemorySegment w, long off, Activations a, int j) {
            short[] qa = a.qa;
            float[] dk = a.dk;
            int[] bs = a.bs;
            int ao = j * a.k, nb = a.k >> 8;
            FloatVector acc = FloatVector.zero(FK);
            float corr = 0;
            for (int b = 0; b < nb; b++, off += BLOCK, ao += 256) {
                long lo = w.get(I64, off + 4);
                int hi = w.get(I32, off + 12);
                IntVector isum = IntVector.zero(IK);
                for (int c = 0; c < 4; c++) {
                    int s1 = sc6(lo, hi, 2 * c), s2 = sc6(lo, hi, 2 * c + 1);
                    long q = off + 48 + 32 * c;
                    int xc = ao + 64 * c;
                    for (int e = 0; e < 32; e += SL) {
                        ShortVector s = (ShortVector) ByteVector.fromMemorySegment(BK, w, q + e, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SK, 0);
                        ShortVector t = ((ShortVector) ByteVector.fromMemorySegment(BK, w, off + 16 + e, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SK, 0))
                                .lanewise(VectorOperators.LSHR, 2 * c);
                        ShortVector l = s.and((short) 0x0f).or(t.and((short) 1).lanewise(VectorOperators.LSHL, 4));
                        ShortVector h = s.lanewise(VectorOperators.LSHR, 4).or(t.and((short) 2).lanewise(VectorOperators.LSHL, 3));
                        IntVector pl = l.mul(ShortVector.fromArray(SK, qa, xc + e)).reinterpretAsInts();
                        IntVector ph = h.mul(ShortVector.fromArray(SK, qa, xc + 32 + e)).reinterpretAsInts();
                        pl = pl.add(pl.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                        ph = ph.add(ph.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                        isum = isum.add(pl.mul(s1)).add(ph.mul(s2));
                    }
                }
                float dx = dk[ao >> 8];
                acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(FK, h2f(w, off) * dx), acc);
                corr += h2f(w, off + 2) * dx * mins(lo, hi, bs, ao >> 4);
            }
            FloatVector h5 = acc; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h5 = h5.add(h5.rearrange(Simd.X8));
            if (Simd.FL >= 8) h5 = h5.add(h5.rearrange(Simd.X4));
            h5 = h5.add(h5.rearrange(Simd.X2));
            h5 = h5.add(h5.rearrange(Simd.X1));
            return h5.lane(0) - corr;
        }

        /** Two passes of two activation rows each over the weight row. */
        @Override
        void dot4(MemorySegment w, long off, Activations a, int j, float[] out) {
            dot2(w, off, a, j, out, 0);
            dot2(w, off, a, j + 2, out, 2);
        }

        private static void dot2(MemorySegment w, long off, Activations a, int j, float[] out, int o) {
            short[] qa = a.qa;
            float[] dk = a.dk;
            int[] bs = a.bs;
            int k = a.k, nb = k >> 8;
            int a0 = j * k, a1 = a0 + k;
            FloatVector c0 = FloatVector.zero(FK), c1 = c0;
            float e0 = 0, e1 = 0;
            for (int b = 0; b < nb; b++, off += BLOCK, a0 += 256, a1 += 256) {
                long lo = w.get(I64, off + 4);
                int hi = w.get(I32, off + 12);
                IntVector i0 = IntVector.zero(IK), i1 = i0;
                for (int c = 0; c < 4; c++) {
                    int s1 = sc6(lo, hi, 2 * c), s2 = sc6(lo, hi, 2 * c + 1);
                    long q = off + 48 + 32 * c;
                    for (int e = 0; e < 32; e += SL) {
                        ShortVector s = (ShortVector) ByteVector.fromMemorySegment(BK, w, q + e, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SK, 0);
                        ShortVector t = ((ShortVector) ByteVector.fromMemorySegment(BK, w, off + 16 + e, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SK, 0))
                                .lanewise(VectorOperators.LSHR, 2 * c);
                        ShortVector l = s.and((short) 0x0f).or(t.and((short) 1).lanewise(VectorOperators.LSHL, 4));
                        ShortVector h = s.lanewise(VectorOperators.LSHR, 4).or(t.and((short) 2).lanewise(VectorOperators.LSHL, 3));
                        int x = 64 * c + e;
                        IntVector pl = l.mul(ShortVector.fromArray(SK, qa, a0 + x)).reinterpretAsInts();
                        IntVector ph = h.mul(ShortVector.fromArray(SK, qa, a0 + x + 32)).reinterpretAsInts();
                        pl = pl.add(pl.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                        ph = ph.add(ph.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                        i0 = i0.add(pl.mul(s1)).add(ph.mul(s2));
                        pl = l.mul(ShortVector.fromArray(SK, qa, a1 + x)).reinterpretAsInts();
                        ph = h.mul(ShortVector.fromArray(SK, qa, a1 + x + 32)).reinterpretAsInts();
                        pl = pl.add(pl.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                        ph = ph.add(ph.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                        i1 = i1.add(pl.mul(s1)).add(ph.mul(s2));
                    }
                }
                float d = h2f(w, off), dm = h2f(w, off + 2);
                float d0 = dk[a0 >> 8], d1 = dk[a1 >> 8];
                c0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(FK, d * d0), c0);
                c1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(FK, d * d1), c1);
                e0 += dm * d0 * mins(lo, hi, bs, a0 >> 4);
                e1 += dm * d1 * mins(lo, hi, bs, a1 >> 4);
            }
            FloatVector h6 = c0; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h6 = h6.add(h6.rearrange(Simd.X8));
            if (Simd.FL >= 8) h6 = h6.add(h6.rearrange(Simd.X4));
            h6 = h6.add(h6.rearrange(Simd.X2));
            h6 = h6.add(h6.rearrange(Simd.X1));
            out[o] = h6.lane(0) - e0;
            FloatVector h7 = c1; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h7 = h7.add(h7.rearrange(Simd.X8));
            if (Simd.FL >= 8) h7 = h7.add(h7.rearrange(Simd.X4));
            h7 = h7.add(h7.rearrange(Simd.X2));
            h7 = h7.add(h7.rearrange(Simd.X1));
            out[o + 1] = h7.lane(0) - e1;
        }
    }

    // ---- Q6_K: (ql[128], qh[64], scales int8[16], d f16) per 256 ------------------------------------

    static class Q6_K extends DotKernels {
        static final int BLOCK = 210;

        boolean quantizedActivations() { return true; }

        @Override
        boolean superBlockActivations() { return true; }

        /** Σ_g scale_g · bsums_g over the 16 groups of 16 of the super-block (the −32 offset); scales as two little-endian longs. */
        static int offsets(long s0, long s1, int[] bs, int g0) {
            int offs = 0;
            for (int g = 0; g < 16; g++) {
                // group g: half g/8, quarter (g%8)/2, is = g%2 -> scale index is + 2·quarter within the half's 8 bytes
                offs += (byte) ((g < 8 ? s0 : s1) >>> (8 * ((g & 1) + 2 * ((g & 7) >> 1)))) * bs[g0 + g];
            }
            return offs;
        }

        /**
         * Per half of 128: 32 bytes of ql low/high nibbles for quarters 0/2 and 1/3, 32 bytes of qh
         * with two bits per quarter. Scales change every 16 elements, so int16 products are widened
         * by halves ({@code S2I} parts), each half under one scale.
         */
        float dot1(MemorySegment w, long off, Activations a, int j) {
            short[] qa = a.qa;
            float[] dk = a.dk;
            int[] bs = a.bs;
            int ao = j * a.k, nb = a.k >> 8;
            FloatVector acc = FloatVector.zero(FK);
            float corr = 0;
            for (int b = 0; b < nb; b++, off += BLOCK, ao += 256) {
                long sl0 = w.get(I64, off + 192), sl1 = w.get(I64, off + 200);
                IntVector isum = IntVector.zero(IK);
                for (int h = 0; h < 2; h++) {
                    long ql = off + 64 * h, qh = off + 128 + 32 * h, sc = h == 0 ? sl0 : sl1;
                    int x = ao + 128 * h;
                    for (int e = 0; e < 32; e += SL) {
                        ShortVector l1 = (ShortVector) ByteVector.fromMemorySegment(BK, w, ql + e, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SK, 0);
                        ShortVector l2 = (ShortVector) ByteVector.fromMemorySegment(BK, w, ql + 32 + e, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SK, 0);
                        ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(BK, w, qh + e, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SK, 0);
                        ShortVector p1 = l1.and((short) 0x0f).or(hb.and((short) 3).lanewise(VectorOperators.LSHL, 4)).mul(ShortVector.fromArray(SK, qa, x + e));
                        ShortVector p2 = l2.and((short) 0x0f).or(hb.and((short) 12).lanewise(VectorOperators.LSHL, 2)).mul(ShortVector.fromArray(SK, qa, x + 32 + e));
                        ShortVector p3 = l1.lanewise(VectorOperators.LSHR, 4).or(hb.and((short) 48)).mul(ShortVector.fromArray(SK, qa, x + 64 + e));
                        ShortVector p4 = l2.lanewise(VectorOperators.LSHR, 4).or(hb.and((short) 192).lanewise(VectorOperators.LSHR, 2)).mul(ShortVector.fromArray(SK, qa, x + 96 + e));
                        for (int part = 0; part < 2; part++) {
                            long s = sc >>> (8 * ((e + part * IL) >> 4));
                            isum = isum.add(((IntVector) p1.convertShape(VectorOperators.S2I, IK, part)).mul((byte) s))
                                    .add(((IntVector) p2.convertShape(VectorOperators.S2I, IK, part)).mul((byte) (s >>> 16)))
                                    .add(((IntVector) p3.convertShape(VectorOperators.S2I, IK, part)).mul((byte) (s >>> 32)))
                                    .add(((IntVector) p4.convertShape(VectorOperators.S2I, IK, part)).mul((byte) (s >>> 48)));
                        }
                    }
                }
                float dd = h2f(w, off + 208) * dk[ao >> 8];
                acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(FK, dd), acc);
                corr += dd * offsets(sl0, sl1, bs, ao >> 4);
            }
            FloatVector h8 = acc; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h8 = h8.add(h8.rearrange(Simd.X8));
            if (Simd.FL >= 8) h8 = h8.add(h8.rearrange(Simd.X4));
            h8 = h8.add(h8.rearrange(Simd.X2));
            h8 = h8.add(h8.rearrange(Simd.X1));
            return h8.lane(0) - 32 * corr;
        }

        /**
         * Two passes of two activation rows each: the 6-bit quants are rebuilt once per pair. The
         * pair loop reads its scales from the segment per quarter: with the two-long scale
         * registers of {@link #dot1} C2 boxed vectors in this bigger body in some compilations.
         */
        @Override
        void dot4(MemorySegment w, long off, Activations a, int j, float[] out) {
            dot2(w, off, a, j, out, 0);
            dot2(w, off, a, j + 2, out, 2);
        }

        private static void dot2(MemorySegment w, long off, Activations a, int j, float[] out, int o) {
            short[] qa = a.qa;
            float[] dk = a.dk;
            int[] bs = a.bs;
            int k = a.k, nb = k >> 8;
            int a0 = j * k, a1 = a0 + k;
            FloatVector c0 = FloatVector.zero(FK), c1 = c0;
            float e0 = 0, e1 = 0;
            for (int b = 0; b < nb; b++, off += BLOCK, a0 += 256, a1 += 256) {
                IntVector i0 = IntVector.zero(IK), i1 = i0;
                for (int h = 0; h < 2; h++) {
                    long ql = off + 64 * h, qh = off + 128 + 32 * h, sc = off + 192 + 8 * h;
                    int x = 128 * h;
                    for (int e = 0; e < 32; e += SL) {
                        ShortVector l1 = (ShortVector) ByteVector.fromMemorySegment(BK, w, ql + e, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SK, 0);
                        ShortVector l2 = (ShortVector) ByteVector.fromMemorySegment(BK, w, ql + 32 + e, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SK, 0);
                        ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(BK, w, qh + e, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SK, 0);
                        ShortVector q1 = l1.and((short) 0x0f).or(hb.and((short) 3).lanewise(VectorOperators.LSHL, 4));
                        ShortVector q2 = l2.and((short) 0x0f).or(hb.and((short) 12).lanewise(VectorOperators.LSHL, 2));
                        ShortVector q3 = l1.lanewise(VectorOperators.LSHR, 4).or(hb.and((short) 48));
                        ShortVector q4 = l2.lanewise(VectorOperators.LSHR, 4).or(hb.and((short) 192).lanewise(VectorOperators.LSHR, 2));
                        int xe = x + e;
                        ShortVector p1 = q1.mul(ShortVector.fromArray(SK, qa, a0 + xe)), p2 = q2.mul(ShortVector.fromArray(SK, qa, a0 + xe + 32));
                        ShortVector p3 = q3.mul(ShortVector.fromArray(SK, qa, a0 + xe + 64)), p4 = q4.mul(ShortVector.fromArray(SK, qa, a0 + xe + 96));
                        ShortVector r1 = q1.mul(ShortVector.fromArray(SK, qa, a1 + xe)), r2 = q2.mul(ShortVector.fromArray(SK, qa, a1 + xe + 32));
                        ShortVector r3 = q3.mul(ShortVector.fromArray(SK, qa, a1 + xe + 64)), r4 = q4.mul(ShortVector.fromArray(SK, qa, a1 + xe + 96));
                        for (int part = 0; part < 2; part++) {
                            long s = sc + ((e + part * IL) >> 4);
                            int s1 = w.get(I8, s), s2 = w.get(I8, s + 2), s3 = w.get(I8, s + 4), s4 = w.get(I8, s + 6);
                            i0 = i0.add(((IntVector) p1.convertShape(VectorOperators.S2I, IK, part)).mul(s1))
                                    .add(((IntVector) p2.convertShape(VectorOperators.S2I, IK, part)).mul(s2))
                                    .add(((IntVector) p3.convertShape(VectorOperators.S2I, IK, part)).mul(s3))
                                    .add(((IntVector) p4.convertShape(VectorOperators.S2I, IK, part)).mul(s4));
                            i1 = i1.add(((IntVector) r1.convertShape(VectorOperators.S2I, IK, part)).mul(s1))
                                    .add(((IntVector) r2.convertShape(VectorOperators.S2I, IK, part)).mul(s2))
                                    .add(((IntVector) r3.convertShape(VectorOperators.S2I, IK, part)).mul(s3))
                                    .add(((IntVector) r4.convertShape(VectorOperators.S2I, IK, part)).mul(s4));
                        }
                    }
                }
                float d = h2f(w, off + 208);
                float d0 = d * dk[a0 >> 8], d1 = d * dk[a1 >> 8];
                c0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(FK, d0), c0);
                c1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(FK, d1), c1);
                e0 += d0 * offsets(w.get(I64, off + 192), w.get(I64, off + 200), bs, a0 >> 4);
                e1 += d1 * offsets(w.get(I64, off + 192), w.get(I64, off + 200), bs, a1 >> 4);
            }
            FloatVector h9 = c0; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h9 = h9.add(h9.rearrange(Simd.X8));
            if (Simd.FL >= 8) h9 = h9.add(h9.rearrange(Simd.X4));
            h9 = h9.add(h9.rearrange(Simd.X2));
            h9 = h9.add(h9.rearrange(Simd.X1));
            out[o] = h9.lane(0) - 32 * e0;
            FloatVector h10 = c1; // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h10 = h10.add(h10.rearrange(Simd.X8));
            if (Simd.FL >= 8) h10 = h10.add(h10.rearrange(Simd.X4));
            h10 = h10.add(h10.rearrange(Simd.X2));
            h10 = h10.add(h10.rearrange(Simd.X1));
            out[o + 1] = h10.lane(0) - 32 * e1;
        }
    }

    /**
     * Q6_K at 512 bits, dot1 rebuilt around whole-vector scales: group g (16 elements) of a
     * super-block has scale {@code scales[g]}, so the 16 scales load as one int vector; each 32-lane
     * int16 product vector (two groups) is pair-summed into 16 int32 lanes (lanes 0–7 the first
     * group, 8–15 the second) and multiplied by that vector rearranged to [s_a ×8, s_b ×8]. The −32
     * offset is Σ scales·bsums, one 16-lane multiply per super-block, accumulated as a vector. No
     * scalar work per group (the generic kernel spent a third of its time extracting scale bytes
     * and in {@link Q6_K#offsets}). Only {@code dot1} (decode) is its own; {@code dot4} (2–7 rows) is
     * the generic kernel's.
     */
    static final class Q6_K512 extends Q6_K {
        static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
        static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
        static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
        static final VectorSpecies<Integer> I512 = IntVector.SPECIES_512;
        static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
        /** SH[i]: lanes 0–7 take lane 2i, lanes 8–15 lane 2i + 1. */
        static final VectorShuffle<Integer> SH0 = pairs(0), SH1 = pairs(1), SH2 = pairs(2), SH3 = pairs(3),
                SH4 = pairs(4), SH5 = pairs(5), SH6 = pairs(6), SH7 = pairs(7);

        private static VectorShuffle<Integer> pairs(int i) {
            int[] ix = new int[16];
            for (int l = 0; l < 16; l++) ix[l] = 2 * i + (l >> 3);
            return VectorShuffle.fromArray(I512, ix, 0);
        }

        @Override
        float dot1(MemorySegment w, long off, Activations a, int j) {
            short[] qa = a.qa;
            float[] dk = a.dk;
            int[] bs = a.bs;
            int ao = j * a.k, nb = a.k >> 8;
            FloatVector acc = FloatVector.zero(F512), corr = acc;
            for (int b = 0; b < nb; b++, off += Q6_K.BLOCK, ao += 256) {
                IntVector sc = (IntVector) ByteVector.fromMemorySegment(B128, w, off + 192, LE).convertShape(VectorOperators.B2I, I512, 0);
                IntVector isum = IntVector.zero(I512);
                // half 0: ql[0..64), qh[0..32), scales 0..7
                ShortVector l1 = (ShortVector) ByteVector.fromMemorySegment(B256, w, off, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
                ShortVector l2 = (ShortVector) ByteVector.fromMemorySegment(B256, w, off + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
                ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(B256, w, off + 128, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
                IntVector p = l1.and((short) 0x0f).or(hb.and((short) 3).lanewise(VectorOperators.LSHL, 4)).mul(ShortVector.fromArray(S512, qa, ao)).reinterpretAsInts();
                isum = isum.add(p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sc.rearrange(SH0)));
                p = l2.and((short) 0x0f).or(hb.and((short) 12).lanewise(VectorOperators.LSHL, 2)).mul(ShortVector.fromArray(S512, qa, ao + 32)).reinterpretAsInts();
                isum = isum.add(p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sc.rearrange(SH1)));
                p = l1.lanewise(VectorOperators.LSHR, 4).or(hb.and((short) 48)).mul(ShortVector.fromArray(S512, qa, ao + 64)).reinterpretAsInts();
                isum = isum.add(p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sc.rearrange(SH2)));
                p = l2.lanewise(VectorOperators.LSHR, 4).or(hb.and((short) 192).lanewise(VectorOperators.LSHR, 2)).mul(ShortVector.fromArray(S512, qa, ao + 96)).reinterpretAsInts();
                isum = isum.add(p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sc.rearrange(SH3)));
                // half 1: ql[64..128), qh[32..64), scales 8..15
                l1 = (ShortVector) ByteVector.fromMemorySegment(B256, w, off + 64, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
                l2 = (ShortVector) ByteVector.fromMemorySegment(B256, w, off + 96, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
                hb = (ShortVector) ByteVector.fromMemorySegment(B256, w, off + 160, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
                p = l1.and((short) 0x0f).or(hb.and((short) 3).lanewise(VectorOperators.LSHL, 4)).mul(ShortVector.fromArray(S512, qa, ao + 128)).reinterpretAsInts();
                isum = isum.add(p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sc.rearrange(SH4)));
                p = l2.and((short) 0x0f).or(hb.and((short) 12).lanewise(VectorOperators.LSHL, 2)).mul(ShortVector.fromArray(S512, qa, ao + 160)).reinterpretAsInts();
                isum = isum.add(p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sc.rearrange(SH5)));
                p = l1.lanewise(VectorOperators.LSHR, 4).or(hb.and((short) 48)).mul(ShortVector.fromArray(S512, qa, ao + 192)).reinterpretAsInts();
                isum = isum.add(p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sc.rearrange(SH6)));
                p = l2.lanewise(VectorOperators.LSHR, 4).or(hb.and((short) 192).lanewise(VectorOperators.LSHR, 2)).mul(ShortVector.fromArray(S512, qa, ao + 224)).reinterpretAsInts();
                isum = isum.add(p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sc.rearrange(SH7)));
                FloatVector dd = FloatVector.broadcast(F512, Float.float16ToFloat(w.get(S16, off + 208)) * dk[ao >> 8]);
                acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(dd, acc);
                corr = ((FloatVector) sc.mul(IntVector.fromArray(I512, bs, ao >> 4)).convert(VectorOperators.I2F, 0)).fma(dd, corr);
            }
            FloatVector h11 = acc.sub(corr.mul(32f)); // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h11 = h11.add(h11.rearrange(Simd.X8));
            if (Simd.FL >= 8) h11 = h11.add(h11.rearrange(Simd.X4));
            h11 = h11.add(h11.rearrange(Simd.X2));
            h11 = h11.add(h11.rearrange(Simd.X1));
            return h11.lane(0);
        }
    }

    /**
     * Q4_K at 512 bits: the 8 six-bit scales and 8 mins of a super-block are unpacked together into
     * one 16-lane int vector (two rearranges of its 12 bytes and a few masks, instead of ~70 scalar
     * shifts); each chunk's two scales are lane broadcasts of it, and the mins term
     * Σ m_j·(bsums_2j + bsums_2j+1) is one 16-lane multiply per super-block, accumulated as a vector.
     * Only {@code dot1} (decode) is its own; {@code dot4} (2–7 rows) is the generic kernel's.
     */
    static final class Q4_K512 extends Q4_K {
        static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
        static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
        static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
        static final VectorSpecies<Integer> I512 = IntVector.SPECIES_512;
        static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
        /** Lanes 0–7 scale j, 8–15 min j: the byte holding the low bits (A) and the one holding bits 4–5 (B). */
        static final VectorShuffle<Integer> A = VectorShuffle.fromValues(I512, 0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11);
        static final VectorShuffle<Integer> B = VectorShuffle.fromValues(I512, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 4, 5, 6, 7);
        /** Lane l takes min l/2 (lane 8 + l/2): the mins against the 16 group sums. */
        static final VectorShuffle<Integer> MINS = VectorShuffle.fromValues(I512, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
        static final VectorMask<Integer> SIX_BITS = VectorMask.fromLong(I512, 0x0f0fL);
        static final VectorMask<Integer> HIGH_NIBBLE = VectorMask.fromLong(I512, 0xf000L);
        static final VectorShuffle<Integer> L0 = lane(0), L1 = lane(1), L2 = lane(2), L3 = lane(3), L4 = lane(4), L5 = lane(5), L6 = lane(6), L7 = lane(7);

        private static VectorShuffle<Integer> lane(int i) {
            int[] ix = new int[16];
            java.util.Arrays.fill(ix, i);
            return VectorShuffle.fromArray(I512, ix, 0);
        }

        @Override
        float dot1(MemorySegment w, long off, Activations a, int j) {
            short[] qa = a.qa;
            float[] dk = a.dk;
            int[] bs = a.bs;
            int ao = j * a.k, nb = a.k >> 8;
            FloatVector acc = FloatVector.zero(F512), corr = acc;
            for (int b = 0; b < nb; b++, off += Q4_K.BLOCK, ao += 256) {
                IntVector raw = (IntVector) ByteVector.fromMemorySegment(B128, w, off + 4, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I512, 0);
                IntVector va = raw.rearrange(A), vb = raw.rearrange(B);
                IntVector sm = va.and(15).blend(va.lanewise(VectorOperators.LSHR, 4), HIGH_NIBBLE)
                        .or(vb.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4))
                        .blend(va.and(63), SIX_BITS);
                IntVector isum = IntVector.zero(I512);
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B256, w, off + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
                IntVector pl = v.and((short) 0x0f).mul(ShortVector.fromArray(S512, qa, ao)).reinterpretAsInts();
                IntVector ph = v.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S512, qa, ao + 32)).reinterpretAsInts();
                isum = isum.add(pl.add(pl.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sm.rearrange(L0)))
                        .add(ph.add(ph.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sm.rearrange(L1)));
                v = (ShortVector) ByteVector.fromMemorySegment(B256, w, off + 48, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
                pl = v.and((short) 0x0f).mul(ShortVector.fromArray(S512, qa, ao + 64)).reinterpretAsInts();
                ph = v.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S512, qa, ao + 96)).reinterpretAsInts();
                isum = isum.add(pl.add(pl.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sm.rearrange(L2)))
                        .add(ph.add(ph.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sm.rearrange(L3)));
                v = (ShortVector) ByteVector.fromMemorySegment(B256, w, off + 80, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
                pl = v.and((short) 0x0f).mul(ShortVector.fromArray(S512, qa, ao + 128)).reinterpretAsInts();
                ph = v.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S512, qa, ao + 160)).reinterpretAsInts();
                isum = isum.add(pl.add(pl.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sm.rearrange(L4)))
                        .add(ph.add(ph.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sm.rearrange(L5)));
                v = (ShortVector) ByteVector.fromMemorySegment(B256, w, off + 112, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
                pl = v.and((short) 0x0f).mul(ShortVector.fromArray(S512, qa, ao + 192)).reinterpretAsInts();
                ph = v.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S512, qa, ao + 224)).reinterpretAsInts();
                isum = isum.add(pl.add(pl.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sm.rearrange(L6)))
                        .add(ph.add(ph.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sm.rearrange(L7)));
                float dx = dk[ao >> 8];
                acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F512, Float.float16ToFloat(w.get(S16, off)) * dx), acc);
                corr = ((FloatVector) sm.rearrange(MINS).mul(IntVector.fromArray(I512, bs, ao >> 4)).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(F512, Float.float16ToFloat(w.get(S16, off + 2)) * dx), corr);
            }
            FloatVector h12 = acc.sub(corr); // lanes summed as Simd.sum does, written out (see there)
            if (Simd.FL == 16) h12 = h12.add(h12.rearrange(Simd.X8));
            if (Simd.FL >= 8) h12 = h12.add(h12.rearrange(Simd.X4));
            h12 = h12.add(h12.rearrange(Simd.X2));
            h12 = h12.add(h12.rearrange(Simd.X1));
            return h12.lane(0);
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

    static final class ScalarQ5_K extends DotKernels {
        boolean quantizedActivations() { return true; }

        @Override
        boolean superBlockActivations() { return true; }

        float dot1(MemorySegment w, long off, Activations a, int j) {
            short[] qa = a.qa;
            int ao = j * a.k, nb = a.k >> 8;
            float acc = 0;
            for (int b = 0; b < nb; b++, off += Q5_K.BLOCK, ao += 256) {
                float dx = a.dk[ao >> 8];
                int isum = 0, mins = 0;
                for (int sb = 0; sb < 8; sb++) {
                    int c = sb >> 1, shift = (sb & 1) * 4, x = ao + 32 * sb, s = 0;
                    for (int l = 0; l < 32; l++) {
                        int q = ((w.get(I8, off + 48 + 32 * c + l) & 0xff) >>> shift & 0xF) | ((w.get(I8, off + 16 + l) >>> sb & 1) << 4);
                        s += q * qa[x + l];
                    }
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
