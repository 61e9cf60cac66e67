package dev.quanta.runtime;

import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufTensorInfo;
import java.util.function.IntPredicate;

/**
 * An independent float64 forward pass of the decoder families, written from their published
 * descriptions (and llama.cpp's graph for the details: where norms sit, RoPE as ggml computes it), for
 * tests. It shares no code with the runtime: it reads the weights straight from the GGUF, recomputes the
 * whole sequence for every call (no KV cache, no batching), and takes each family's behaviour as explicit
 * {@link Spec} switches, so a test can also turn one feature off and show that it matters.
 * It is first checked against llama.cpp's own outputs (reference/phi3-f16 and gemma2-f16), then used for
 * the families the reference data does not cover.
 */
final class FamilyOracle {

    /**
     * What the forward pass does.
     *
     * @param neox          RoPE rotating halves (true) or adjacent pairs (false)
     * @param nRot          rotated dimensions per head
     * @param base          RoPE base of full-attention layers
     * @param freqScale     RoPE frequency scale of full-attention layers
     * @param baseSwa       RoPE base of sliding-window layers (0: same as base, and freqScale)
     * @param attnFactor    cos/sin multiplier (LongRoPE)
     * @param freqFactors   RoPE frequency divisors per pair, or null
     * @param window        sliding window (0 = none): key j hidden from query i when i - j >= window
     * @param swaLayer      which layers slide
     * @param qScale        multiplier of q.k
     * @param attnCap       attention-logit soft-cap (0 = none)
     * @param finalCap      final-logit soft-cap (0 = none)
     * @param embScale      embedding multiplier
     * @param gelu          GeGLU instead of SwiGLU
     * @param qkNorm        apply attn_q_norm / attn_k_norm per head
     * @param postNorms     apply post_attention_norm / post_ffw_norm
     */
    record Spec(boolean neox, int nRot, double base, double freqScale, double baseSwa, double attnFactor, double[] freqFactors,
                int window, IntPredicate swaLayer, double qScale, double attnCap, double finalCap, double embScale,
                boolean gelu, boolean qkNorm, boolean postNorms) {
        Spec withoutWindow() {
            return new Spec(neox, nRot, base, freqScale, baseSwa, attnFactor, freqFactors, 0, swaLayer, qScale, attnCap, finalCap, embScale, gelu, qkNorm, postNorms);
        }

        Spec withoutQkNorm() {
            return new Spec(neox, nRot, base, freqScale, baseSwa, attnFactor, freqFactors, window, swaLayer, qScale, attnCap, finalCap, embScale, gelu, false, postNorms);
        }

        Spec withQScale(double q) {
            return new Spec(neox, nRot, base, freqScale, baseSwa, attnFactor, freqFactors, window, swaLayer, q, attnCap, finalCap, embScale, gelu, qkNorm, postNorms);
        }

        Spec withFreqFactors(double[] f) {
            return new Spec(neox, nRot, base, freqScale, baseSwa, attnFactor, f, window, swaLayer, qScale, attnCap, finalCap, embScale, gelu, qkNorm, postNorms);
        }
    }

    private final GgufFile f;
    private final int nEmbd, nLayer, nHead, nHeadKv, hd, nFf;
    private final double eps;

    FamilyOracle(GgufFile f, int nEmbd, int nLayer, int nHead, int nHeadKv, int headDim, int nFf, double eps) {
        this.f = f;
        this.nEmbd = nEmbd;
        this.nLayer = nLayer;
        this.nHead = nHead;
        this.nHeadKv = nHeadKv;
        this.hd = headDim;
        this.nFf = nFf;
        this.eps = eps;
    }

    private final java.util.Map<String, double[][]> cache = new java.util.HashMap<>();

    /** Rows of tensor {@code name} (row = ne0 elements), or null when absent. */
    private double[][] matrix(String name) {
        if (cache.containsKey(name)) return cache.get(name);
        double[][] m = read(name);
        cache.put(name, m);
        return m;
    }

    private double[][] read(String name) {
        GgufTensorInfo t = f.tensor(name);
        if (t == null) return null;
        float[] v = f.dequantize(t);
        int k = (int) t.ne()[0], n = v.length / k;
        double[][] m = new double[n][k];
        for (int r = 0; r < n; r++) for (int i = 0; i < k; i++) m[r][i] = v[r * k + i];
        return m;
    }

    private double[] vector(String name) {
        double[][] m = matrix(name);
        return m == null ? null : m[0];
    }

    /** Logits [n][nVocab] of every position of {@code tokens} (positions 0..n-1, one sequence). */
    double[][] logits(int[] tokens, Spec s) {
        int n = tokens.length;
        double[][] emb = matrix("token_embd.weight");
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            x[i] = emb[tokens[i]].clone();
            for (int d = 0; d < nEmbd; d++) x[i][d] *= s.embScale();
        }
        int qDim = nHead * hd, kvDim = nHeadKv * hd;
        for (int l = 0; l < nLayer; l++) {
            String p = "blk." + l + ".";
            boolean swa = s.window() > 0 && s.swaLayer().test(l);
            double base = swa && s.baseSwa() != 0 ? s.baseSwa() : s.base();
            double scale = swa && s.baseSwa() != 0 ? 1.0 : s.freqScale();
            double[][] wq, wk, wv;
            double[][] wqkv = matrix(p + "attn_qkv.weight");
            if (wqkv != null) {
                wq = java.util.Arrays.copyOfRange(wqkv, 0, qDim);
                wk = java.util.Arrays.copyOfRange(wqkv, qDim, qDim + kvDim);
                wv = java.util.Arrays.copyOfRange(wqkv, qDim + kvDim, qDim + 2 * kvDim);
            } else {
                wq = matrix(p + "attn_q.weight");
                wk = matrix(p + "attn_k.weight");
                wv = matrix(p + "attn_v.weight");
            }
            double[] qn = s.qkNorm() ? vector(p + "attn_q_norm.weight") : null;
            double[] kn = s.qkNorm() ? vector(p + "attn_k_norm.weight") : null;
            double[][] q = new double[n][], k = new double[n][], v = new double[n][];
            for (int i = 0; i < n; i++) {
                double[] h = rms(x[i], vector(p + "attn_norm.weight"));
                q[i] = add(mv(wq, h), vector(p + "attn_q.bias"));
                k[i] = add(mv(wk, h), vector(p + "attn_k.bias"));
                v[i] = add(mv(wv, h), vector(p + "attn_v.bias"));
                for (int hh = 0; hh < nHead; hh++) headOp(q[i], hh, qn, i, base, scale, s);
                for (int hh = 0; hh < nHeadKv; hh++) headOp(k[i], hh, kn, i, base, scale, s);
            }
            double[][] wo = matrix(p + "attn_output.weight");
            for (int i = 0; i < n; i++) {
                double[] att = new double[qDim];
                for (int hh = 0; hh < nHead; hh++) {
                    int kh = hh / (nHead / nHeadKv);
                    double[] sc = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        if (swa && i - j >= s.window()) { sc[j] = Double.NEGATIVE_INFINITY; continue; }
                        double d = 0;
                        for (int e = 0; e < hd; e++) d += q[i][hh * hd + e] * k[j][kh * hd + e];
                        d *= s.qScale();
                        if (s.attnCap() != 0) d = s.attnCap() * Math.tanh(d / s.attnCap());
                        sc[j] = d;
                        max = Math.max(max, d);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) sum += sc[j] = Math.exp(sc[j] - max);
                    for (int j = 0; j <= i; j++)
                        for (int e = 0; e < hd; e++) att[hh * hd + e] += sc[j] / sum * v[j][kh * hd + e];
                }
                double[] o = add(mv(wo, att), vector(p + "attn_output.bias"));
                if (s.postNorms()) o = rms(o, vector(p + "post_attention_norm.weight"));
                x[i] = add(x[i], o);
                double[] h = rms(x[i], vector(p + "ffn_norm.weight"));
                double[] gate, up;
                double[][] wg = matrix(p + "ffn_gate.weight"), wu = matrix(p + "ffn_up.weight");
                if (wg == null) {                              // fused [gate; up]
                    double[] gu = mv(wu, h);
                    gate = java.util.Arrays.copyOfRange(gu, 0, nFf);
                    up = java.util.Arrays.copyOfRange(gu, nFf, 2 * nFf);
                } else {
                    gate = mv(wg, h);
                    up = mv(wu, h);
                }
                double[] act = new double[nFf];
                for (int e = 0; e < nFf; e++) {
                    double g = gate[e];
                    act[e] = (s.gelu() ? 0.5 * g * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (g + 0.044715 * g * g * g))) : g / (1 + Math.exp(-g))) * up[e];
                }
                double[] down = mv(matrix(p + "ffn_down.weight"), act);
                if (s.postNorms()) down = rms(down, vector(p + "post_ffw_norm.weight"));
                x[i] = add(x[i], down);
            }
        }
        double[][] out = matrix("output.weight");
        if (out == null) out = emb;
        double[][] logits = new double[n][];
        for (int i = 0; i < n; i++) {
            logits[i] = mv(out, rms(x[i], vector("output_norm.weight")));
            if (s.finalCap() != 0) for (int t = 0; t < logits[i].length; t++) logits[i][t] = s.finalCap() * Math.tanh(logits[i][t] / s.finalCap());
        }
        return logits;
    }

    /** Per head: optional RMSNorm (QK-norm), then RoPE at position {@code pos}, in place. */
    private void headOp(double[] v, int head, double[] norm, int pos, double base, double freqScale, Spec s) {
        int o = head * hd;
        if (norm != null) {
            double[] h = rms(java.util.Arrays.copyOfRange(v, o, o + hd), norm);
            System.arraycopy(h, 0, v, o, hd);
        }
        int half = s.nRot() / 2;
        for (int i = 0; i < half; i++) {
            double theta = freqScale * pos * Math.pow(base, -2.0 * i / s.nRot());
            if (s.freqFactors() != null) theta /= s.freqFactors()[i];
            double c = Math.cos(theta) * s.attnFactor(), sn = Math.sin(theta) * s.attnFactor();
            int a = s.neox() ? o + i : o + 2 * i, b = s.neox() ? o + i + half : o + 2 * i + 1;
            double x0 = v[a], x1 = v[b];
            v[a] = x0 * c - x1 * sn;
            v[b] = x0 * sn + x1 * c;
        }
    }

    private double[] rms(double[] x, double[] w) {
        double ss = 0;
        for (double d : x) ss += d * d;
        double r = 1 / Math.sqrt(ss / x.length + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] * r * (w == null ? 1 : w[i]);
        return y;
    }

    private static double[] mv(double[][] w, double[] x) {
        double[] y = new double[w.length];
        for (int r = 0; r < w.length; r++) {
            double d = 0;
            for (int i = 0; i < x.length; i++) d += w[r][i] * x[i];
            y[r] = d;
        }
        return y;
    }

    private static double[] add(double[] a, double[] b) {
        if (b == null) return a;
        double[] y = a.clone();
        for (int i = 0; i < y.length; i++) y[i] += b[i];
        return y;
    }
}
