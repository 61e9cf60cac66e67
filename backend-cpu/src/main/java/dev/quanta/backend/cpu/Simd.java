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

    static String describe() {
        return SCALAR ? "scalar (vectorBits=0)" : BITS + "-bit SIMD (" + FL + " float lanes)";
    }
}
