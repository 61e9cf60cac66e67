package dev.quanta.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/** {@link VectorMath} against {@code Math.exp}/{@code Math.tanh} rounded to float, over a seeded sweep and the edge values. */
class VectorMathTest {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    static float[] apply(java.util.function.UnaryOperator<FloatVector> f, float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i += F.length()) f.apply(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        return y;
    }

    static float[] inputs(long seed, float lo, float hi, int n) {
        System.out.println("seed " + seed);
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = lo + (hi - lo) * r.nextFloat();
        return x;
    }

    static double ulps(float got, double want) {
        float w = (float) want;
        return Math.abs(got - w) / Math.ulp(w);
    }

    @Test
    void expWithinOneUlp() {
        float[] x = inputs(11, -103.9f, 88.7f, 1 << 16);
        float[] y = apply(VectorMath::exp, x);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double want = Math.exp(x[i]);
            if (want < Float.MIN_NORMAL) {
                // subnormal results: absolute error of a couple of subnormal steps
                assertTrue(Math.abs(y[i] - want) <= 2 * Float.MIN_VALUE, x[i] + ": " + y[i] + " vs " + want);
                continue;
            }
            worst = Math.max(worst, ulps(y[i], want));
        }
        System.out.println("exp: worst " + worst + " ulp over " + x.length + " values");
        assertTrue(worst <= 1.0, "worst " + worst + " ulp");
    }

    @Test
    void expEdges() {
        float[] x = new float[F.length() * 2];
        float[] v = {0f, -0f, 1f, -1f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN, 88.72f, 89f, -104f, -87f, -1e30f, 1e30f,
            VectorMath.EXP_HI, VectorMath.EXP_LO, 1e-8f};
        for (int i = 0; i < x.length; i++) x[i] = v[i % v.length];
        float[] y = apply(VectorMath::exp, x);
        for (int i = 0; i < x.length; i++) {
            float want = (float) Math.exp(x[i]);
            if (Float.isNaN(want) || Float.isInfinite(want) || want == 0f || x[i] == 0f) assertEquals(want, y[i], 0f, "exp(" + x[i] + ")");
            else assertTrue(ulps(y[i], Math.exp(x[i])) <= 1 || Math.abs(y[i] - want) <= 2 * Float.MIN_VALUE, "exp(" + x[i] + ") = " + y[i] + " vs " + want);
        }
    }

    @Test
    void tanhWithinTwoUlps() {
        float[] x = inputs(12, -12f, 12f, 1 << 16);
        float[] small = inputs(13, -0.3f, 0.3f, 1 << 14);
        double worst = 0;
        for (float[] xs : new float[][] {x, small}) {
            float[] y = apply(VectorMath::tanh, xs);
            for (int i = 0; i < xs.length; i++) worst = Math.max(worst, ulps(y[i], Math.tanh(xs[i])));
        }
        System.out.println("tanh: worst " + worst + " ulp");
        assertTrue(worst <= 2.0, "worst " + worst + " ulp");
        float[] e = new float[F.length()];
        float[] v = {0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-20f, -1e-20f, 30f, -30f};
        for (int i = 0; i < e.length; i++) e[i] = v[i % v.length];
        float[] y = apply(VectorMath::tanh, e);
        for (int i = 0; i < e.length; i++) assertEquals((float) Math.tanh(e[i]), y[i], 0f, "tanh(" + e[i] + ")");
    }

    @Test
    void halfToFloatIsExactForEveryHalf() {
        org.junit.jupiter.api.Assumptions.assumeFalse(Simd.SCALAR, "the vector conversion is not used by the scalar kernels (vectorBits=0)");
        jdk.incubator.vector.VectorSpecies<Integer> is = Simd.I; // the kernels' width
        int[] h = new int[65536];
        for (int i = 0; i < h.length; i++) h[i] = (short) i; // sign-extended, as the kernels widen them
        float[] y = new float[h.length];
        for (int i = 0; i < h.length; i += Simd.FL)
            DotKernels.halfToFloat(jdk.incubator.vector.IntVector.fromArray(is, h, i)).intoArray(y, i);
        for (int i = 0; i < h.length; i++) {
            float want = Float.float16ToFloat((short) i);
            if (Float.isNaN(want)) assertTrue(Float.isNaN(y[i]), "half 0x" + Integer.toHexString(i) + " is NaN, got " + y[i]);
            else assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(y[i]), "half 0x" + Integer.toHexString(i));
        }
    }
}
