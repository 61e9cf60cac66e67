package dev.quanta.runtime.model;

import dev.quanta.kernels.graph.OpParams;
import dev.quanta.loader.gguf.GgufMetadata;
import dev.quanta.loader.gguf.GgufValue;
import dev.quanta.runtime.QuantaException;
import java.nio.file.Path;

/**
 * The hyperparameters of a decoder-only transformer, read from GGUF metadata ({@code ARCH.*} keys).
 * A missing required key is a {@link QuantaException} that names the key and the file.
 *
 * @param arch            {@code general.architecture}, e.g. "llama"
 * @param nCtxTrain       {@code ARCH.context_length}: the context the model was trained with
 * @param nEmbd           {@code ARCH.embedding_length}
 * @param nLayer          {@code ARCH.block_count}
 * @param nFf             {@code ARCH.feed_forward_length}
 * @param nHead           {@code ARCH.attention.head_count}
 * @param nHeadKv         {@code ARCH.attention.head_count_kv} (default nHead)
 * @param headDimK        {@code ARCH.attention.key_length} (default nEmbd / nHead)
 * @param headDimV        {@code ARCH.attention.value_length} (default nEmbd / nHead)
 * @param nRot            {@code ARCH.rope.dimension_count} (default headDimK)
 * @param normEps         {@code ARCH.attention.layer_norm_rms_epsilon}
 * @param ropeMode        NORM (adjacent pairs) or NEOX (halves), fixed by the architecture
 * @param ropeFreqBase    {@code ARCH.rope.freq_base} (default 10000)
 * @param ropeFreqScale   1 / {@code ARCH.rope.scaling.factor} for linear scaling, else 1
 * @param nCtxOrig        {@code ARCH.rope.scaling.original_context_length} (default nCtxTrain)
 * @param ropeScaling     {@code ARCH.rope.scaling.type}: none, linear or yarn
 * @param ropeAttnFactor  {@code ARCH.rope.scaling.attn_factor} (default 1)
 * @param attnScale       multiplier of q.k: {@code ARCH.attention.scale} or 1/sqrt(headDimK)
 * @param nVocab          rows of {@code token_embd.weight}
 * @param features        what a family adds to the llama block (sliding windows, soft-caps, ...);
 *                        {@link Features#NONE} for llama and qwen2 files without them
 */
public record ModelConfig(
        String arch, int nCtxTrain, int nEmbd, int nLayer, int nFf, int nHead, int nHeadKv,
        int headDimK, int headDimV, int nRot, float normEps,
        OpParams.RopeMode ropeMode, float ropeFreqBase, float ropeFreqScale, int nCtxOrig,
        String ropeScaling, float ropeAttnFactor, float attnScale, int nVocab, Features features) {

    /** The FFN's gated activation: SwiGLU (llama, qwen, phi3) or GeGLU with tanh GELU (gemma). */
    public enum Activation { SILU, GELU }

    /**
     * The per-family variations of the decoder, as llama.cpp's hparams hold them.
     *
     * @param slidingWindow    {@code ARCH.attention.sliding_window}: a sliding-window layer masks cell j for
     *                         token i when {@code pos_i - pos_j >= slidingWindow}; 0 = none
     * @param swaPattern       which layers slide (llama.cpp's {@code set_swa_pattern}): 0 = every layer,
     *                         n = layer l slides when {@code l % n < n - 1} (gemma2: 2, even layers; gemma3: 6,
     *                         five local layers then one global)
     * @param ropeFreqBaseSwa  RoPE base of the sliding-window layers (gemma3: 10000), 0 = same as the others
     * @param ropeFreqScaleSwa RoPE frequency scale of the sliding-window layers (used when ropeFreqBaseSwa != 0)
     * @param attnSoftcap      attention-logit soft-cap (gemma2), 0 = none
     * @param finalSoftcap     final-logit soft-cap (gemma2), 0 = none
     * @param embdScale        multiplier of the token embeddings (gemma: sqrt(nEmbd)), 1 = none
     * @param activation       FFN activation
     */
    public record Features(int slidingWindow, int swaPattern, float ropeFreqBaseSwa, float ropeFreqScaleSwa,
                           float attnSoftcap, float finalSoftcap, float embdScale, Activation activation) {
        public static final Features NONE = new Features(0, 0, 0f, 1f, 0f, 0f, 1f, Activation.SILU);

        public Features withSlidingWindow(int window, int pattern) {
            return new Features(window, pattern, ropeFreqBaseSwa, ropeFreqScaleSwa, attnSoftcap, finalSoftcap, embdScale, activation);
        }

        public Features withSwaRope(float base, float scale) {
            return new Features(slidingWindow, swaPattern, base, scale, attnSoftcap, finalSoftcap, embdScale, activation);
        }

        public Features withSoftcaps(float attn, float fin) {
            return new Features(slidingWindow, swaPattern, ropeFreqBaseSwa, ropeFreqScaleSwa, attn, fin, embdScale, activation);
        }

        public Features withEmbdScale(float s) {
            return new Features(slidingWindow, swaPattern, ropeFreqBaseSwa, ropeFreqScaleSwa, attnSoftcap, finalSoftcap, s, activation);
        }

        public Features withActivation(Activation a) {
            return new Features(slidingWindow, swaPattern, ropeFreqBaseSwa, ropeFreqScaleSwa, attnSoftcap, finalSoftcap, embdScale, a);
        }
    }

    /** This config with other features. */
    public ModelConfig withFeatures(Features f) {
        return new ModelConfig(arch, nCtxTrain, nEmbd, nLayer, nFf, nHead, nHeadKv, headDimK, headDimV, nRot, normEps,
                ropeMode, ropeFreqBase, ropeFreqScale, nCtxOrig, ropeScaling, ropeAttnFactor, attnScale, nVocab, f);
    }

    /** This config with another multiplier of q.k. */
    public ModelConfig withAttnScale(float scale) {
        return new ModelConfig(arch, nCtxTrain, nEmbd, nLayer, nFf, nHead, nHeadKv, headDimK, headDimV, nRot, normEps,
                ropeMode, ropeFreqBase, ropeFreqScale, nCtxOrig, ropeScaling, ropeAttnFactor, scale, nVocab, features);
    }

    /** True when layer {@code l} uses sliding-window attention. */
    public boolean isSwa(int l) {
        int n = features.swaPattern();
        return features.slidingWindow() > 0 && (n == 0 || l % n < n - 1);
    }

    /** True when some layer uses sliding-window attention (the context then builds a second mask). */
    public boolean hasSwa() {
        for (int l = 0; l < nLayer; l++) if (isSwa(l)) return true;
        return false;
    }

    /** True when some layer attends to every earlier cell. */
    public boolean hasFullAttention() {
        for (int l = 0; l < nLayer; l++) if (!isSwa(l)) return true;
        return false;
    }

    /** K row length of one token in the cache: headDimK * nHeadKv. */
    public int kvRowK() {
        return headDimK * nHeadKv;
    }

    /** V row length of one token in the cache: headDimV * nHeadKv. */
    public int kvRowV() {
        return headDimV * nHeadKv;
    }

    /** Query heads per KV head (GQA group size). */
    public int gqaGroup() {
        return nHead / nHeadKv;
    }

    /** The ROPE op parameters for this model (YaRN ext factor 1 only when the scaling type is yarn). */
    public OpParams.Rope rope() {
        float ext = "yarn".equals(ropeScaling) ? 1f : 0f;
        return new OpParams.Rope(ropeMode, nRot, nCtxOrig, ropeFreqBase, ropeFreqScale, ext, ropeAttnFactor, 32f, 1f);
    }

    /** The ROPE op parameters of layer {@code l}: sliding-window layers may have their own base (gemma3). */
    public OpParams.Rope rope(int l) {
        OpParams.Rope r = rope();
        if (!isSwa(l) || features.ropeFreqBaseSwa() == 0f) return r;
        return new OpParams.Rope(r.mode(), r.nRot(), r.nCtxOrig(), features.ropeFreqBaseSwa(), features.ropeFreqScaleSwa(),
                r.extFactor(), r.attnFactor(), r.betaFast(), r.betaSlow());
    }

    /** The ATTENTION op parameters (soft-cap when the family has one). */
    public OpParams.Attention attention() {
        return new OpParams.Attention(nHead, nHeadKv, headDimK, headDimV, attnScale, features.attnSoftcap());
    }

    /**
     * One line naming the family and its key hyperparameters, e.g. for {@code quanta run} and {@code quanta info}:
     * layers, widths, heads, head size, RoPE, and whatever the family adds (windows, soft-caps, scales).
     */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(java.util.Locale.ROOT, "%s: %d layers, n_embd %d, n_ff %d, %d heads (%d kv), head %d",
                arch, nLayer, nEmbd, nFf, nHead, nHeadKv, headDimK));
        if (headDimV != headDimK) sb.append('/').append(headDimV);
        sb.append(String.format(java.util.Locale.ROOT, ", rope %s base %s", ropeMode.name().toLowerCase(java.util.Locale.ROOT), fmt(ropeFreqBase)));
        if (nRot != headDimK) sb.append(" over ").append(nRot).append(" dims");
        if (ropeFreqScale != 1f) sb.append(" scale ").append(fmt(ropeFreqScale));
        if (ropeAttnFactor != 1f) sb.append(" attn_factor ").append(fmt(ropeAttnFactor));
        if (features.slidingWindow() > 0) {
            sb.append(", sliding window ").append(features.slidingWindow()).append(" on ");
            int n = features.swaPattern();
            if (n == 0) sb.append("every layer");
            else if (n == 2) sb.append("even layers");
            else sb.append(n - 1).append(" of every ").append(n).append(" layers");
            if (features.ropeFreqBaseSwa() != 0f) sb.append(" (rope base ").append(fmt(features.ropeFreqBaseSwa())).append(')');
        }
        if (features.attnSoftcap() != 0f) sb.append(", attn softcap ").append(fmt(features.attnSoftcap()));
        if (features.finalSoftcap() != 0f) sb.append(", final softcap ").append(fmt(features.finalSoftcap()));
        if (Math.abs(attnScale * Math.sqrt(headDimK) - 1) > 1e-6)
            sb.append(", q scale 1/sqrt(").append(Math.round(1.0 / ((double) attnScale * attnScale))).append(')');
        if (features.activation() == Activation.GELU) sb.append(", GeGLU");
        sb.append(", vocab ").append(nVocab).append(", trained ctx ").append(nCtxTrain);
        return sb.toString();
    }

    private static String fmt(float v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : Float.toString(v);
    }

    /**
     * Reads the keys every decoder shares. {@code nVocab} comes from the embedding tensor's shape.
     *
     * @throws QuantaException naming the missing or invalid key
     */
    public static ModelConfig read(Path file, GgufMetadata m, OpParams.RopeMode ropeMode, int nVocab) {
        Keys k = new Keys(file, m, m.architecture());
        String a = k.arch;
        int nCtxTrain = k.requireInt("context_length");
        int nEmbd = k.requireInt("embedding_length");
        int nLayer = k.requireInt("block_count");
        int nFf = k.requireInt("feed_forward_length");
        int nHead = k.requireInt("attention.head_count");
        int nHeadKv = k.optInt("attention.head_count_kv", nHead);
        if (nHead <= 0) throw k.invalid("attention.head_count", nHead, "must be positive");
        if (nHeadKv <= 0 || nHead % nHeadKv != 0)
            throw k.invalid("attention.head_count_kv", nHeadKv, "must divide attention.head_count = " + nHead);
        int headDimK = k.optInt("attention.key_length", nEmbd / nHead);
        int headDimV = k.optInt("attention.value_length", nEmbd / nHead);
        int nRot = k.optInt("rope.dimension_count", headDimK);
        if (nRot <= 0 || nRot > headDimK || nRot % 2 != 0)
            throw k.invalid("rope.dimension_count", nRot, "must be even and at most the head size " + headDimK);
        float eps = k.requireFloat("attention.layer_norm_rms_epsilon");
        float base = k.optFloat("rope.freq_base", 10000f);
        String scaling = k.optString("rope.scaling.type", "linear");
        if (!scaling.equals("none") && !scaling.equals("linear") && !scaling.equals("yarn"))
            throw k.invalid("rope.scaling.type", scaling, "supported: none, linear, yarn");
        float factor = k.optFloat("rope.scaling.factor", k.optFloat("rope.scale_linear", 0f));
        float freqScale = factor == 0f ? 1f : 1f / factor;
        int nCtxOrig = k.optInt("rope.scaling.original_context_length", nCtxTrain);
        float attnFactor = k.optFloat("rope.scaling.attn_factor", 1f);
        float attnScale = k.optFloat("attention.scale", 0f);
        if (attnScale == 0f) attnScale = (float) (1.0 / Math.sqrt(headDimK));
        for (String key : new String[] {"context_length", "embedding_length", "block_count", "feed_forward_length"}) {
            if (k.requireInt(key) <= 0) throw k.invalid(key, k.requireInt(key), "must be positive");
        }
        if (headDimK <= 0 || headDimV <= 0) throw k.invalid("attention.key_length", headDimK, "must be positive");
        return new ModelConfig(a, nCtxTrain, nEmbd, nLayer, nFf, nHead, nHeadKv, headDimK, headDimV, nRot, eps,
                ropeMode, base, freqScale, nCtxOrig, scaling, attnFactor, attnScale, nVocab, Features.NONE);
    }

    /** Typed access to {@code ARCH.name} keys with errors that name the key and the file. */
    public static final class Keys {
        final Path file;
        final GgufMetadata m;
        final String arch;

        public Keys(Path file, GgufMetadata m, String arch) {
            this.file = file;
            this.m = m;
            this.arch = arch;
        }

        private String full(String key) {
            return arch + "." + key;
        }

        /** True when the file has {@code ARCH.key}. */
        public boolean has(String key) {
            return m.get(full(key)) != null;
        }

        public QuantaException invalid(String key, Object value, String why) {
            return new QuantaException(file + ": metadata key '" + full(key) + "' = " + value + " " + why);
        }

        private GgufValue value(String key, boolean required) {
            GgufValue v = m.get(full(key));
            if (v == null && required)
                throw new QuantaException(file + ": missing metadata key '" + full(key) + "' (required by architecture " + arch + ")");
            return v;
        }

        public int requireInt(String key) {
            value(key, true);
            return intOf(key);
        }

        public int optInt(String key, int dflt) {
            return value(key, false) == null ? dflt : intOf(key);
        }

        private int intOf(String key) {
            GgufValue v = m.get(full(key));
            if (v.value() instanceof GgufValue.GgufArray)
                throw new QuantaException(file + ": metadata key '" + full(key) + "' is a per-layer array; only one value for all layers is supported");
            try {
                return m.getInt(full(key));
            } catch (RuntimeException e) {
                throw new QuantaException(file + ": metadata key '" + full(key) + "': " + e.getMessage(), e);
            }
        }

        public float requireFloat(String key) {
            value(key, true);
            return floatOf(key);
        }

        public float optFloat(String key, float dflt) {
            return value(key, false) == null ? dflt : floatOf(key);
        }

        private float floatOf(String key) {
            try {
                return m.getFloat(full(key));
            } catch (RuntimeException e) {
                throw new QuantaException(file + ": metadata key '" + full(key) + "': " + e.getMessage(), e);
            }
        }

        public String optString(String key, String dflt) {
            if (value(key, false) == null) return dflt;
            try {
                return m.getString(full(key));
            } catch (RuntimeException e) {
                throw new QuantaException(file + ": metadata key '" + full(key) + "': " + e.getMessage(), e);
            }
        }
    }
}
