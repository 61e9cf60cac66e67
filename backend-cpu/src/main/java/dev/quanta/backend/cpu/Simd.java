package dev.quanta.backend.cpu;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shape of every CPU kernel, fixed once at class initialization so that the JIT sees
 * constants. {@code -Dquanta.cpu.vectorBits=0|128|256|512} forces a width (0 = scalar code);
 * the default is the machine's preferred width. A forced width wider than the hardware's is
 * clamped (the Vector API would fall back to slow Java code).
 *
 * <p>Only load this class when {@code jdk.incubator.vector} is in the boot layer (see
 * {@link CpuBackendProvider}).
 */
final class Simd {
    private Simd() {}

    /** Hardware preferred width in bits. */
    static final int PREFERRED_BITS = FloatVector.SPECIES_PREFERRED.vectorBitSize();
    /** The width the kernels use: 0 (scalar), 128, 256 or 512. */
    static final int BITS;
    /** A note when the requested width was not honoured, else "". */
    static final String NOTE;

    static {
        String p = System.getProperty("quanta.cpu.vectorBits");
        int bits = PREFERRED_BITS;
        String note = "";
        if (p != null && !p.isBlank()) {
            int req;
            try {
                req = Integer.parseInt(p.trim());
            } catch (NumberFormatException e) {
                req = -1;
            }
            if (req != 0 && req != 128 && req != 256 && req != 512) {
                note = "quanta.cpu.vectorBits=" + p + " is not 0, 128, 256 or 512; using " + bits;
            } else if (req > PREFERRED_BITS) {
                note = "quanta.cpu.vectorBits=" + req + " exceeds the hardware's " + PREFERRED_BITS + " bits; clamped";
            } else {
                bits = req;
            }
        }
        if (bits != 0 && bits < 128) bits = 0; // no useful SIMD (e.g. 64-bit preferred shape)
        BITS = bits;
        NOTE = note;
    }

    static final boolean SCALAR = BITS == 0;
    private static final int B = SCALAR ? 128 : BITS;

    /** Float lanes of the accumulator (4, 8 or 16). */
    static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(B));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(B));
    static final int FL = F.length();
    /** Bytes of quantized data widened at once: 16 for 512-bit, else 8 (there is no 32-bit byte vector). */
    static final int C = Math.max(8, FL);
    /** Byte species of C lanes and short species of C lanes. */
    static final VectorSpecies<Byte> BC = C == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    static final VectorSpecies<Short> SC = C == 16 ? ShortVector.SPECIES_256 : ShortVector.SPECIES_128;
    /** Int parts per short chunk: C / FL (1, or 2 for 128-bit). */
    static final int PARTS = C / FL;
    /** Short species with FL lanes (F16/BF16 weights). */
    static final VectorSpecies<Short> SF = FL == 16 ? ShortVector.SPECIES_256 : FL == 8 ? ShortVector.SPECIES_128 : ShortVector.SPECIES_64;

    // butterfly shuffles of F: lane i with lane i ^ w (null where w ≥ FL)
    static final jdk.incubator.vector.VectorShuffle<Float> X8 = FL == 16 ? jdk.incubator.vector.VectorShuffle.fromOp(F, i -> i ^ 8) : null;
    static final jdk.incubator.vector.VectorShuffle<Float> X4 = FL >= 8 ? jdk.incubator.vector.VectorShuffle.fromOp(F, i -> i ^ 4) : null;
    static final jdk.incubator.vector.VectorShuffle<Float> X2 = jdk.incubator.vector.VectorShuffle.fromOp(F, i -> i ^ 2);
    static final jdk.incubator.vector.VectorShuffle<Float> X1 = jdk.incubator.vector.VectorShuffle.fromOp(F, i -> i ^ 1);

    /**
     * The sum of the lanes of {@code v} (species {@link #F}) in one fixed order: lanes i and
     * i ^ 8, then i ^ 4, i ^ 2, i ^ 1. Not {@code reduceLanes(ADD)}: its order is unspecified, and
     * C2's intrinsic sums in another order than the Java code that runs before it, so logits
     * changed in the last bits when a kernel got compiled and greedy output could change with
     * them (56 of 100 random 16-lane sums differed). Costs ~0.3 ns more per sum, once per dot.
     *
     * <p>The dot kernels write these steps out instead of calling this: their methods are so big
     * that C2 declines to inline a call at their end (callee too large, node count cut-off), and
     * a vector passed to a call that is not inlined is boxed — Q6_K GEMV was 12% slower.
     */
    static float sum(FloatVector v) {
        if (FL == 16) v = v.add(v.rearrange(X8));
        if (FL >= 8) v = v.add(v.rearrange(X4));
        v = v.add(v.rearrange(X2));
        v = v.add(v.rearrange(X1));
        return v.lane(0);
    }

    static String describe() {
        return SCALAR ? "scalar (vectorBits=0)" : BITS + "-bit SIMD (" + FL + " float lanes)";
    }
}
