package dev.quanta.kernels.quant;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.GgmlType;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The error budgets of ggml's tests/test-quantize-fns.cpp, on its synthetic data
 * x[i] = 0.1 + 2·cos(i + offset), 4096 elements: the total quantization error
 * sqrt(Σ(x − dequant(quant(x)))²)/n below 0.002 (Q3_K 0.004, Q2_K 0.0075), and the dot-product
 * error |Σ dequant(quant(x))·dequant(quant_vecdot(y)) − Σ x·y|/n below 0.02 (Q2_K 0.04), the
 * second operand quantized to the activation type ggml's CPU dot pairs the weight type with.
 */
class RoundTripErrorTest {
    static final int N = 32 * 128;

    static float[] generateData(float offset) {
        float[] x = new float[N];
        for (int i = 0; i < N; i++) x[i] = (float) (0.1 + 2 * (float) Math.cos(i + offset));
        return x;
    }

    static float[] roundTrip(GgmlType t, float[] x) {
        QuantCodec c = QuantCodecs.of(t);
        MemorySegment q = MemorySegment.ofArray(new byte[(int) t.rowBytes(x.length)]);
        c.quantizeRowRef(x, 0, q, 0, x.length);
        float[] y = new float[x.length];
        c.dequantizeRow(q, 0, y, 0, x.length);
        return y;
    }

    /** ggml's vec_dot_type: the format the CPU backend quantizes activations to for a weight type. */
    static GgmlType vecDotType(GgmlType t) {
        return switch (t) {
            case Q4_0, Q5_0, Q8_0, IQ4_NL -> GgmlType.Q8_0;
            case Q4_1, Q5_1 -> GgmlType.Q8_1;
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS -> GgmlType.Q8_K;
            default -> t;
        };
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K"})
    void quantizationErrorWithinGgmlsBudget(GgmlType t) {
        float[] x = generateData(0f);
        float[] y = roundTrip(t, x);
        double sum = 0;
        for (int i = 0; i < N; i++) {
            double d = x[i] - y[i];
            sum += d * d;
        }
        float err = (float) Math.sqrt(sum) / N;
        float budget = t == GgmlType.Q2_K ? 0.0075f : t == GgmlType.Q3_K ? 0.0040f : 0.002f;
        System.out.printf("%-5s total quantization error %.6f (budget %.4f)%n", t.ggmlName(), err, budget);
        assertTrue(err < budget, t + ": total quantization error " + err + " >= " + budget);
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void dotProductErrorWithinGgmlsBudget(GgmlType t) {
        float[] x = generateData(0f), w = generateData(1f);
        float[] xq = roundTrip(t, x), wq = roundTrip(vecDotType(t), w);
        double ref = 0, got = 0;
        for (int i = 0; i < N; i++) {
            ref += x[i] * w[i];
            got += xq[i] * wq[i];
        }
        float err = (float) Math.abs(got - ref) / N;
        float budget = t == GgmlType.Q2_K ? 0.04f : 0.02f;
        System.out.printf("%-5s dot product error %.6f (budget %.2f, with %s)%n", t.ggmlName(), err, budget, vecDotType(t).ggmlName());
        assertTrue(err < budget, t + ": dot product error " + err + " >= " + budget);
    }
}
