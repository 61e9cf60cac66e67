package dev.quanta.kernels.quant;

/**
 * The scalar helpers ggml's reference quantizers share (ggml-quants.c: {@code nearest_int},
 * {@code make_qx_quants}, {@code make_q3_quants}, {@code make_qkx2_quants},
 * {@code get_scale_min_k4}), written so that every float operation happens in the same order and
 * precision as the C code (all {@code float}, no fused multiply-add), which makes our bytes equal
 * to llama-quantize's.
 */
final class KQuantMath {
    private KQuantMath() {}

    /** ggml's GROUP_MAX_EPS: a group whose largest magnitude is below it is all zero. */
    static final float GROUP_MAX_EPS = 1e-15f;

    /**
     * ggml's {@code nearest_int}: adds 1.5·2^23 so that the float adder rounds to an integer
     * (ties to even), then reads the integer out of the mantissa. Valid for |v| ≤ 4194303.
     */
    static int nearestInt(float v) {
        float t = v + 12582912f;
        return (Float.floatToRawIntBits(t) & 0x007fffff) - 0x00400000;
    }

    /**
     * make_qx_quants with {@code qw == NULL} and rmse_type 1 (weights x²), the only form the
     * reference quantizers use (Q6_K): symmetric levels L in [0, 2·nmax) and the returned scale,
     * searching 18 trial scales around nmax/max for the best weighted least-squares fit.
     */
    static float makeQxQuantsRmse1(int n, int nmax, float[] x, int xo, byte[] L, int lo) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xo + i];
            int l = nearestInt(iscale * xi);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            L[lo + i] = (byte) (l + nmax);
            float w = xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = suml2 = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                int l = nearestInt(iscale * xi);
                l = Math.max(-nmax, Math.min(nmax - 1, l));
                float w = xi * xi;
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    int l = nearestInt(iscale * x[xo + i]);
                    L[lo + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, l)));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * make_q3_quants with do_rmse = true (Q3_K): levels in [0, 2·nmax) and the scale, refined by
     * up to 5 passes of per-element coordinate descent on the x²-weighted error.
     */
    static float makeQ3QuantsRmse(int n, int nmax, float[] x, int xo, byte[] L, int lo) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xo + i];
            int l = nearestInt(iscale * xi);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            L[lo + i] = (byte) l;
            float w = xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        for (int itry = 0; itry < 5; itry++) {
            int nChanged = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                int li = L[lo + i];
                float w = xi * xi;
                float slx = sumlx - w * xi * li;
                if (slx > 0) {
                    float sl2 = suml2 - w * li * li;
                    int newL = nearestInt(xi * sl2 / slx);
                    newL = Math.max(-nmax, Math.min(nmax - 1, newL));
                    if (newL != li) {
                        slx += w * xi * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            L[lo + i] = (byte) newL;
                            sumlx = slx;
                            suml2 = sl2;
                            nChanged++;
                        }
                    }
                }
            }
            if (nChanged == 0) break;
        }
        for (int i = 0; i < n; i++) L[lo + i] += (byte) nmax;
        return sumlx / suml2;
    }

    /**
     * make_qkx2_quants (Q2_K, Q4_K, Q5_K): asymmetric levels L in [0, nmax] with a scale and a
     * min (returned in {@code theMin[mo]} as a non-negative offset: x ≈ scale·L − theMin),
     * searching nstep+1 trial scales (rmin + rdelta·is + nmax)/(max − min) and solving weighted
     * least squares for scale and min at each; {@code useMad} weighs |error| instead of error².
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights, byte[] L, int lo,
                                float[] theMin, int mo, byte[] Laux, float rmin, float rdelta, int nstep, boolean useMad) {
        float min = x[xo], max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float xi = x[xo + i];
            if (xi < min) min = xi;
            if (xi > max) max = xi;
            float w = weights[i];
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            theMin[mo] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestMad = 0;
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * (x[xo + i] - min));
            l = Math.max(0, Math.min(nmax, l));
            L[lo + i] = (byte) l;
            float diff = scale * l + min - x[xo + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestMad += weights[i] * diff;
        }
        if (nstep < 1) {
            theMin[mo] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                int l = nearestInt(iscale * (xi - min));
                l = Math.max(0, Math.min(nmax, l));
                Laux[i] = (byte) l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * xi;
            }
            float D = sumW * sumL2 - sumL * sumL;
            if (D > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / D;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / D;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float mad = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * Laux[i] + thisMin - x[xo + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    mad += weights[i] * diff;
                }
                if (mad < bestMad) {
                    System.arraycopy(Laux, 0, L, lo, n);
                    bestMad = mad;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[mo] = -min;
        return scale;
    }

    /** get_scale_min_k4: the 6-bit scale of sub-block j of a Q4_K/Q5_K scales[12] field at {@code q[qo..]}. */
    static int scaleK4(int j, byte[] q, int qo) {
        return j < 4 ? q[qo + j] & 63 : (q[qo + j + 4] & 0xF) | (((q[qo + j - 4] & 0xff) >>> 6) << 4);
    }

    /** get_scale_min_k4: the 6-bit min of sub-block j. */
    static int minK4(int j, byte[] q, int qo) {
        return j < 4 ? q[qo + j + 4] & 63 : ((q[qo + j + 4] & 0xff) >>> 4) | (((q[qo + j] & 0xff) >>> 6) << 4);
    }
}
