package dev.quanta.backend.cpu;

import java.lang.foreign.MemorySegment;

/**
 * The scalar fallback of {@link DotKernels} ({@code -Dquanta.cpu.vectorBits=0}): the same
 * activation preparation and integer block sums, in plain Java.
 */
final class ScalarDotKernels {
    private ScalarDotKernels() {}

    static final class Q8_0 extends DotKernels {
        boolean quantizedActivations() { return true; }

        float dot1(MemorySegment w, long off, Activations a, int j) {
            short[] qa = a.qa;
            int ao = j * a.k, nb = a.k >> 5;
            float acc = 0;
            for (int b = 0; b < nb; b++, off += 34, ao += 32) {
                int s = 0;
                for (int i = 0; i < 32; i++) s += w.get(I8, off + 2 + i) * qa[ao + i];
                acc += s * (h2f(w, off) * a.da[ao >> 5]);
            }
            return acc;
        }
    }

    static final class Q4_0 extends DotKernels {
        boolean quantizedActivations() { return true; }

        float dot1(MemorySegment w, long off, Activations a, int j) {
            short[] qa = a.qa;
            int ao = j * a.k, nb = a.k >> 5;
            float acc = 0;
            for (int b = 0; b < nb; b++, off += 18, ao += 32) {
                int s = 0;
                for (int i = 0; i < 16; i++) {
                    int q = w.get(I8, off + 2 + i) & 0xff;
                    s += ((q & 15) - 8) * qa[ao + i] + ((q >>> 4) - 8) * qa[ao + 16 + i];
                }
                acc += s * (h2f(w, off) * a.da[ao >> 5]);
            }
            return acc;
        }
    }

    abstract static class FloatWeights extends DotKernels {
        final int elemBytes;

        FloatWeights(int elemBytes) {
            this.elemBytes = elemBytes;
        }

        boolean quantizedActivations() { return false; }

        abstract float scalar(MemorySegment w, long off);

        float dot1(MemorySegment w, long off, Activations a, int j) {
            float[] x = a.xa;
            int k = a.k, xo = j * k;
            float s = 0;
            for (int i = 0; i < k; i++) s += scalar(w, off + (long) i * elemBytes) * x[xo + i];
            return s;
        }
    }

    static final class F32 extends FloatWeights {
        F32() { super(4); }

        float scalar(MemorySegment w, long off) { return w.get(F32, off); }
    }

    static final class F16 extends FloatWeights {
        F16() { super(2); }

        float scalar(MemorySegment w, long off) { return h2f(w, off); }
    }

    static final class BF16 extends FloatWeights {
        BF16() { super(2); }

        float scalar(MemorySegment w, long off) { return Float.intBitsToFloat((w.get(S16, off) & 0xffff) << 16); }
    }
}
