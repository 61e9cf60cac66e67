package dev.quanta.runtime.arch;

import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.runtime.kv.KvCache;
import dev.quanta.runtime.model.LayerWeights;
import dev.quanta.runtime.model.ModelConfig;
import dev.quanta.runtime.model.ModelWeights;
import dev.quanta.runtime.model.WeightLoader;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code gemma2}: Gemma 2 (2B, 9B, 27B). The llama block with
 * <ul>
 *   <li>embeddings scaled by sqrt(nEmbd); the output tied to them (llama.cpp ignores any output.weight);
 *   <li>RMSNorm before and after attention ({@code post_attention_norm}) and before and after the FFN
 *       ({@code post_ffw_norm}); GGUF files store Gemma's (1 + w) norm weights already added by
 *       llama.cpp's converter, so they are used as stored;
 *   <li>GeGLU FFN (tanh GELU of the gate times up), NEOX RoPE;
 *   <li>attention logits soft-capped ({@code attn_logit_softcapping}, default 50) and final logits too
 *       ({@code final_logit_softcapping}, default 30): cap * tanh(x / cap);
 *   <li>sliding-window attention ({@code attention.sliding_window}, default 4096) on the even layers
 *       (l % 2 == 0), global attention on the odd ones;
 *   <li>head size from {@code attention.key_length}, independent of nEmbd / nHead; queries scaled by
 *       1/sqrt(nEmbd / nHead) for the 27B model (46 layers, llama.cpp's model type) and by 1/sqrt(head
 *       size) otherwise.
 * </ul>
 */
public final class Gemma2Architecture implements Architecture {
    @Override
    public String name() {
        return "gemma2";
    }

    @Override
    public String models() {
        return "Gemma 2";
    }

    @Override
    public ModelConfig config(GgufFile file, int nVocab) {
        ModelConfig c = ModelConfig.read(file.path(), file.metadata(), OpParams.RopeMode.NEOX, nVocab);
        var k = new ModelConfig.Keys(file.path(), file.metadata(), c.arch());
        int window = k.optInt("attention.sliding_window", 4096);
        if (window <= 0) throw k.invalid("attention.sliding_window", window, "must be positive");
        float attnCap = k.optFloat("attn_logit_softcapping", 50f);
        float finalCap = k.optFloat("final_logit_softcapping", 30f);
        if (!(attnCap > 0f)) throw k.invalid("attn_logit_softcapping", attnCap, "must be positive");
        if (!(finalCap > 0f)) throw k.invalid("final_logit_softcapping", finalCap, "must be positive");
        ModelConfig.Features f = c.features().withSlidingWindow(window, 2).withSoftcaps(attnCap, finalCap)
                .withEmbdScale((float) Math.sqrt(c.nEmbd())).withActivation(ModelConfig.Activation.GELU);
        return c.withFeatures(f).withAttnScale(gemmaQueryScale(c, 46));
    }

    /**
     * Gemma's query scale as llama.cpp sets it by model type: the 27B model ({@code layers27b} layers)
     * uses 1/sqrt(nEmbd / nHead) (integer division), every other size 1/sqrt(head size).
     */
    static float gemmaQueryScale(ModelConfig c, int layers27b) {
        int d = c.nLayer() == layers27b ? c.nEmbd() / c.nHead() : c.headDimK();
        return (float) (1.0 / Math.sqrt(d));
    }

    @Override
    public ModelWeights load(WeightLoader wl, ModelConfig c) {
        return loadGemma(wl, c, false);
    }

    /** The gemma2/gemma3 tensor set; {@code qkNorm}: gemma3's {@code attn_q_norm}/{@code attn_k_norm}. */
    static ModelWeights loadGemma(WeightLoader wl, ModelConfig c, boolean qkNorm) {
        long e = c.nEmbd(), qDim = (long) c.nHead() * c.headDimK(), kDim = c.kvRowK(), vDim = c.kvRowV();
        long oDim = (long) c.nHead() * c.headDimV();
        Tensor tokEmbd = wl.require("token_embd.weight", e, c.nVocab());
        Tensor outputNorm = wl.require("output_norm.weight", e);
        Tensor output = qkNorm ? wl.optional("output.weight", e, c.nVocab()) : null;
        List<LayerWeights> layers = new ArrayList<>(c.nLayer());
        for (int i = 0; i < c.nLayer(); i++) {
            String p = "blk." + i + ".";
            LayerWeights L = LayerWeights.standard(
                    wl.require(p + "attn_norm.weight", e),
                    wl.require(p + "attn_q.weight", e, qDim),
                    wl.require(p + "attn_k.weight", e, kDim),
                    wl.require(p + "attn_v.weight", e, vDim),
                    wl.require(p + "attn_output.weight", oDim, e),
                    null, null, null, null,
                    wl.require(p + "ffn_norm.weight", e),
                    wl.require(p + "ffn_gate.weight", e, c.nFf()),
                    wl.require(p + "ffn_up.weight", e, c.nFf()),
                    wl.require(p + "ffn_down.weight", c.nFf(), e))
                    .withPostNorms(wl.require(p + "post_attention_norm.weight", e), wl.require(p + "post_ffw_norm.weight", e));
            if (qkNorm)
                L = L.withQkNorm(wl.require(p + "attn_q_norm.weight", c.headDimK()), wl.require(p + "attn_k_norm.weight", c.headDimK()));
            layers.add(L);
        }
        return new ModelWeights(tokEmbd, outputNorm, output == null ? tokEmbd : output, null, List.copyOf(layers));
    }

    @Override
    public Tensor forward(Graph g, ModelConfig c, ModelWeights w, KvCache kv, ForwardInputs in) {
        return Decoder.forward(g, c, w, kv, in);
    }
}
