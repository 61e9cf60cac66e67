package dev.quanta.kernels.ref;

import dev.quanta.kernels.graph.Op;
import dev.quanta.kernels.graph.OpParams;

/**
 * The scalar reference of every {@link Op}: the oracle every backend is compared with. One plain
 * static function per op, written to be read (llama2.c style), not to be fast.
 *
 * <p>Activations are contiguous {@code float[]} holding rows of {@code n} elements back to back
 * (row {@code r} is {@code a[r*n .. r*n+n)}); weights, tables and the KV cache are {@link Rows} in
 * any type that has a codec. Results go into a caller-provided {@code out} array of the same
 * layout, which may be the input array for elementwise ops.
 *
 * <p>Numerics follow ggml's CPU ops (ggml-cpu.c): dot products, norms and softmax sums accumulate
 * in double ({@code ggml_float}), the scale factors are then rounded to float; RoPE builds its
 * angles by repeated multiplication by {@code theta_scale} as ggml's rope cache does. GELU uses
 * the exact tanh formula ({@code ggml_gelu_f32}); ggml's CPU backend reads it from an F16 table,
 * which differs by about 1e-3 relative.
 */
public final class ReferenceOps {
    private ReferenceOps() {}

    // ---- lookup and matrix product --------------------------------------------------------------

    /** GET_ROWS: {@code out} row j = table row ids[j], decoded to F32. */
    public static void getRows(Rows table, int[] ids, float[] out) {
        int k = table.rowLength();
        for (int j = 0; j < ids.length; j++) {
            if (ids[j] < 0 || ids[j] >= table.count())
                throw new IllegalArgumentException("GET_ROWS: id " + ids[j] + " at position " + j + " is outside [0, " + table.count() + ")");
            table.read(ids[j], out, j * k);
        }
    }

    /**
     * MUL_MAT: {@code y[j][i] = dot(W row i, x row j)} for W[k, n] (n = w.count()) and x[k, m];
     * y is [n, m]. Each weight row is decoded with its codec, then dotted in double.
     */
    public static void mulMat(Rows w, float[] x, int m, float[] y) {
        int k = w.rowLength(), n = w.count();
        float[] wRow = new float[k];
        for (int i = 0; i < n; i++) {
            w.read(i, wRow, 0);
            for (int j = 0; j < m; j++) y[j * n + i] = dot(wRow, 0, x, j * k, k);
        }
    }

    /** Dot product of {@code a[aOff..aOff+n)} and {@code b[bOff..bOff+n)}, accumulated in double. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += (double) a[aOff + i] * b[bOff + i];
        return (float) sum;
    }

    // ---- elementwise ----------------------------------------------------------------------------

    /** ADD: {@code out = a + b}; b holds rows of n, one row (broadcast to every row of a) or as many as a. */
    public static void add(float[] a, float[] b, int n, float[] out) {
        boolean broadcast = b.length == n;
        for (int i = 0; i < a.length; i++) out[i] = a[i] + b[broadcast ? i % n : i];
    }

    /** MUL: {@code out = a * b} elementwise, b broadcast as in {@link #add}. */
    public static void mul(float[] a, float[] b, int n, float[] out) {
        boolean broadcast = b.length == n;
        for (int i = 0; i < a.length; i++) out[i] = a[i] * b[broadcast ? i % n : i];
    }

    /** SCALE: {@code out = a * s}. */
    public static void scale(float[] a, float s, float[] out) {
        for (int i = 0; i < a.length; i++) out[i] = a[i] * s;
    }

    /** ggml_silu_f32: {@code x / (1 + e^-x)}. */
    public static float silu(float x) {
        return x / (1.0f + (float) Math.exp(-x));
    }

    static final float GELU_COEF_A = 0.044715f;
    static final float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;

    /** ggml_gelu_f32: {@code 0.5 x (1 + tanh(sqrt(2/pi) x (1 + 0.044715 x^2)))}. */
    public static float gelu(float x) {
        return 0.5f * x * (1.0f + (float) Math.tanh(SQRT_2_OVER_PI * x * (1.0f + GELU_COEF_A * x * x)));
    }

    /** SILU: {@code out = silu(a)}. */
    public static void silu(float[] a, float[] out) {
        for (int i = 0; i < a.length; i++) out[i] = silu(a[i]);
    }

    /** GELU: {@code out = gelu(a)} (tanh approximation). */
    public static void gelu(float[] a, float[] out) {
        for (int i = 0; i < a.length; i++) out[i] = gelu(a[i]);
    }

    /** {@code cap * tanh(x / cap)}. */
    public static float softcap(float x, float cap) {
        return cap * (float) Math.tanh(x / cap);
    }

    /** SOFTCAP: {@code out = cap * tanh(a / cap)}. */
    public static void softcap(float[] a, float cap, float[] out) {
        for (int i = 0; i < a.length; i++) out[i] = softcap(a[i], cap);
    }

    /** SWIGLU: {@code out = silu(gate) * up}. */
    public static void swiglu(float[] gate, float[] up, float[] out) {
        for (int i = 0; i < gate.length; i++) out[i] = silu(gate[i]) * up[i];
    }

    /** GEGLU: {@code out = gelu(gate) * up}. */
    public static void geglu(float[] gate, float[] up, float[] out) {
        for (int i = 0; i < gate.length; i++) out[i] = gelu(gate[i]) * up[i];
    }

    // ---- normalization --------------------------------------------------------------------------

    /** RMS_NORM of each row of n: {@code x / sqrt(mean(x^2) + eps)}, times {@code w} when not null. */
    public static void rmsNorm(float[] x, int n, float[] w, float eps, float[] out) {
        for (int r = 0; r < x.length / n; r++) {
            int o = r * n;
            double sum = 0;
            for (int i = 0; i < n; i++) sum += (double) (x[o + i] * x[o + i]);
            float mean = (float) (sum / n);
            float scale = 1.0f / (float) Math.sqrt(mean + eps);
            for (int i = 0; i < n; i++) out[o + i] = w == null ? x[o + i] * scale : x[o + i] * scale * w[i];
        }
    }

    /** NORM (layer norm) of each row of n: {@code (x - mean) / sqrt(var + eps)}, then {@code * w}, {@code + b} when not null. */
    public static void norm(float[] x, int n, float[] w, float[] b, float eps, float[] out) {
        for (int r = 0; r < x.length / n; r++) {
            int o = r * n;
            double sum = 0;
            for (int i = 0; i < n; i++) sum += x[o + i];
            float mean = (float) (sum / n);
            double sum2 = 0;
            for (int i = 0; i < n; i++) {
                float v = x[o + i] - mean;
                out[o + i] = v;
                sum2 += (double) (v * v);
            }
            float variance = (float) (sum2 / n);
            float scale = 1.0f / (float) Math.sqrt(variance + eps);
            for (int i = 0; i < n; i++) {
                float v = out[o + i] * scale;
                if (w != null) v *= w[i];
                if (b != null) v += b[i];
                out[o + i] = v;
            }
        }
    }

    // ---- rotary position embedding --------------------------------------------------------------

    /** ggml_rope_yarn_corr_dims: the first and last rotary dimension of the YaRN ramp. */
    public static float[] ropeYarnCorrDims(int nDims, int nCtxOrig, float freqBase, float betaFast, float betaSlow) {
        float start = (float) Math.floor(ropeYarnCorrDim(nDims, nCtxOrig, betaFast, freqBase));
        float end = (float) Math.ceil(ropeYarnCorrDim(nDims, nCtxOrig, betaSlow, freqBase));
        return new float[] {Math.max(0, start), Math.min(nDims - 1, end)};
    }

    private static float ropeYarnCorrDim(int nDims, int nCtxOrig, float nRot, float base) {
        return nDims * (float) Math.log(nCtxOrig / (nRot * 2 * (float) Math.PI)) / (2 * (float) Math.log(base));
    }

    private static float ropeYarnRamp(float low, float high, int i0) {
        float y = (i0 / 2 - low) / Math.max(0.001f, high - low);
        return 1 - Math.min(1, Math.max(0, y));
    }

    /**
     * ggml's rope_yarn: the cos and sin of one rotation angle, YaRN-corrected when extFactor != 0,
     * times mscale. Returns {cos, sin}.
     */
    public static float[] ropeYarn(float thetaExtrap, float freqScale, float[] corrDims, int i0, float extFactor, float mscale) {
        float thetaInterp = freqScale * thetaExtrap;
        float theta = thetaInterp;
        if (extFactor != 0.0f) {
            float rampMix = ropeYarnRamp(corrDims[0], corrDims[1], i0) * extFactor;
            theta = thetaInterp * (1 - rampMix) + thetaExtrap * rampMix;
            mscale *= 1.0f + 0.1f * (float) Math.log(1.0f / freqScale);
        }
        return new float[] {(float) Math.cos(theta) * mscale, (float) Math.sin(theta) * mscale};
    }

    /**
     * ROPE (ggml rope_ext) of x[headDim, nHead, nTok, nSeq] with positions pos[nTok] (the same for
     * every seq) and optional freqFactors[nRot/2]. NORM rotates pairs (2i, 2i+1), NEOX pairs
     * (i, i + nRot/2); dimensions from nRot on are copied unchanged.
     */
    public static void rope(float[] x, int headDim, int nHead, int[] pos, float[] freqFactors, OpParams.Rope p, float[] out) {
        int nTok = pos.length, nRot = p.nRot();
        int nSeq = x.length / (headDim * nHead * Math.max(1, nTok));
        float thetaScale = (float) Math.pow(p.freqBase(), -2.0f / nRot);
        float[] corrDims = ropeYarnCorrDims(nRot, p.nCtxOrig(), p.freqBase(), p.betaFast(), p.betaSlow());
        float[] cos = new float[nRot / 2], sin = new float[nRot / 2];
        for (int s = 0; s < nSeq; s++) {
            for (int t = 0; t < nTok; t++) {
                // the angle of pair i is pos * thetaScale^i / freqFactor[i], built by repeated multiplication as ggml does
                float theta = pos[t];
                for (int i0 = 0; i0 < nRot; i0 += 2) {
                    float ff = freqFactors != null ? freqFactors[i0 / 2] : 1.0f;
                    float[] cs = ropeYarn(theta / ff, p.freqScale(), corrDims, i0, p.extFactor(), p.attnFactor());
                    cos[i0 / 2] = cs[0];
                    sin[i0 / 2] = cs[1];
                    theta *= thetaScale;
                }
                for (int h = 0; h < nHead; h++) {
                    int o = ((s * nTok + t) * nHead + h) * headDim;
                    for (int i = 0; i < nRot / 2; i++) {
                        int a = p.mode() == OpParams.RopeMode.NORM ? o + 2 * i : o + i;
                        int b = p.mode() == OpParams.RopeMode.NORM ? a + 1 : a + nRot / 2;
                        float x0 = x[a], x1 = x[b];
                        out[a] = x0 * cos[i] - x1 * sin[i];
                        out[b] = x0 * sin[i] + x1 * cos[i];
                    }
                    for (int i = nRot; i < headDim; i++) out[o + i] = x[o + i];
                }
            }
        }
    }

    // ---- softmax and attention ------------------------------------------------------------------

    /**
     * SOFT_MAX of each row of n: {@code softmax(a * scale + mask)}; mask (may be null) holds at
     * least as many rows as a, row r applying to row r of a. A row that is all -inf gives zeros.
     */
    public static void softMax(float[] a, int n, float[] mask, float scale, float[] out) {
        float[] w = new float[n];
        for (int r = 0; r < a.length / n; r++) {
            for (int i = 0; i < n; i++) w[i] = a[r * n + i] * scale + (mask != null ? mask[r * n + i] : 0f);
            softMaxRow(w, n, out, r * n);
        }
    }

    /** Softmax of {@code w[0..n)} into {@code out[o..o+n)}: exp(w - max) / sum, sum in double; all -inf gives zeros. */
    static void softMaxRow(float[] w, int n, float[] out, int o) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, w[i]);
        if (max == Float.NEGATIVE_INFINITY) {
            for (int i = 0; i < n; i++) out[o + i] = 0f;
            return;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(w[i] - max);
            out[o + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) out[o + i] *= inv;
    }

    /**
     * ATTENTION of q[headDim, nHead, nTok] over the nKv cells of the cache: for each token t and
     * head h (reading KV head h / (nHead / nKvHead)),
     * {@code out = softmax(softcap(q.k * scale) + mask[t]) . V}, out being [headDimV * nHead, nTok].
     * k is [headDim * nKvHead, nKv], v is [headDimV * nKvHead, nKv], in any codec type; mask holds
     * rows of nKv, row t for token t. A token whose mask is all -inf gives zeros.
     */
    public static void attention(float[] q, int nTok, Rows k, Rows v, float[] mask, OpParams.Attention p, float[] out) {
        int nKv = k.count(), dk = p.headDim(), dv = p.headDimV();
        int group = p.nHead() / p.nKvHead();
        float[] kAll = k.toFloats(), vAll = v.toFloats();
        float[] scores = new float[nKv], probs = new float[nKv];
        for (int t = 0; t < nTok; t++) {
            for (int h = 0; h < p.nHead(); h++) {
                int kvh = h / group;
                int qo = (t * p.nHead() + h) * dk;
                for (int j = 0; j < nKv; j++) {
                    float s = dot(q, qo, kAll, j * k.rowLength() + kvh * dk, dk) * p.scale();
                    if (p.softcap() != 0f) s = softcap(s, p.softcap());
                    scores[j] = s + mask[t * nKv + j];
                }
                softMaxRow(scores, nKv, probs, 0);
                int oo = (t * p.nHead() + h) * dv;
                for (int d = 0; d < dv; d++) {
                    double acc = 0;
                    for (int j = 0; j < nKv; j++) acc += (double) probs[j] * vAll[j * v.rowLength() + kvh * dv + d];
                    out[oo + d] = (float) acc;
                }
            }
        }
    }

    // ---- writes and reductions ------------------------------------------------------------------

    /** SET_ROWS: dst row idx[j] = src row j (rows of dst.rowLength()), encoded in dst's type. */
    public static void setRows(Rows dst, float[] src, int[] idx) {
        for (int j = 0; j < idx.length; j++) {
            if (idx[j] < 0 || idx[j] >= dst.count())
                throw new IllegalArgumentException("SET_ROWS: index " + idx[j] + " at position " + j + " is outside [0, " + dst.count() + ")");
            dst.write(idx[j], src, j * dst.rowLength());
        }
    }

    /** CPY: every row of src (rows of dst.rowLength()) encoded into the same row of dst. */
    public static void cpy(float[] src, Rows dst) {
        for (int r = 0; r < dst.count(); r++) dst.write(r, src, r * dst.rowLength());
    }

    /** ARGMAX of each row of n into out[row]; the lowest index wins ties. */
    public static void argmax(float[] a, int n, int[] out) {
        for (int r = 0; r < a.length / n; r++) {
            int best = 0;
            for (int i = 1; i < n; i++) if (a[r * n + i] > a[r * n + best]) best = i;
            out[r] = best;
        }
    }
}
