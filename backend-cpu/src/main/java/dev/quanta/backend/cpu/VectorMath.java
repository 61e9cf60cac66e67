package dev.quanta.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * exp and tanh of every lane, written with exactly rounded operations only (add, mul, fma, div,
 * compares, integer shifts), so the interpreter, C1 and C2 give the same bits.
 *
 * <p>Why not the Vector API's {@code EXP}/{@code TANH}: compiled by C2 they are the JDK's SVML
 * stubs, before that a {@code Math.exp} per lane, and the two differ in the last bit. Greedy
 * output then changed when the JIT compiled SWIGLU: the same request gave another answer after a
 * few runs (seen as a flaky server test). These functions are as fast as SVML here (a few FMAs)
 * and within 1 ulp of {@code Math.exp}/{@code Math.tanh} in float (see {@code VectorMathTest}).
 */
final class VectorMath {
    private VectorMath() {}

    private static final float LOG2E = 1.44269504088896341f;
    // ln 2 split so that n·LN2_HI is exact for |n| < 2^9 (Cody–Waite)
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5·2^23: adding it rounds a float of magnitude < 2^22 to an integer. */
    private static final float ROUND = 12582912f;
    /** Above this e^x overflows float; below {@link #EXP_LO} it is under half the least subnormal. */
    static final float EXP_HI = 88.72283935546875f;
    static final float EXP_LO = -103.97207708f;
    // minimax polynomial of (e^r - 1 - r)/r² on [-ln2/2, ln2/2] (Cephes expf)
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /** e^x per lane: +inf above {@link #EXP_HI}, 0 below {@link #EXP_LO} (and for -inf), NaN stays NaN. */
    static FloatVector exp(FloatVector x) {
        FloatVector t = x.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);                     // round(x·log2 e), exactly an integer
        FloatVector r = n.fma(FloatVector.broadcast(x.species(), -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(x.species(), -LN2_LO), r); // x - n·ln 2, |r| ≤ ln2/2
        FloatVector p = mad(mad(mad(mad(r.fma(P0, P1), r, P2), r, P3), r, P4), r, P5);
        p = p.mul(r.mul(r)).add(r).add(1f);               // e^r
        // 2^n in two factors: n reaches 128 and -150, neither of which is a normal float's exponent
        IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector h = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = h.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = ni.sub(h).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector e = p.mul(s1).mul(s2);
        e = e.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_HI));
        return e.blend(0f, x.compare(VectorOperators.LT, EXP_LO));
    }

    /** a·b + c, one rounding. */
    private static FloatVector mad(FloatVector a, FloatVector b, float c) {
        return a.fma(b, a.broadcast(c));
    }

    /** tanh per lane: a series below |x| = 0.25 (no cancellation), (1 - e^-2|x|)/(1 + e^-2|x|) above. */
    static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector e = exp(a.mul(-2f));
        FloatVector big = FloatVector.broadcast(x.species(), 1f).sub(e).div(e.add(1f));
        FloatVector a2 = a.mul(a);
        // a - a³/3 + 2a⁵/15 - 17a⁷/315 + 62a⁹/2835 - 1382a¹¹/155925
        FloatVector s = mad(mad(mad(a2.fma(-1382f / 155925f, 62f / 2835f), a2, -17f / 315f), a2, 2f / 15f), a2, -1f / 3f);
        FloatVector small = s.mul(a2).fma(a, a);
        VectorMask<Float> isSmall = a.compare(VectorOperators.LT, 0.25f);
        FloatVector y = big.blend(small, isSmall);
        // sign back; NaN stays NaN (both branches are NaN)
        return y.blend(y.neg(), x.compare(VectorOperators.LT, 0f));
    }
}
