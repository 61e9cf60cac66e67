package dev.quanta.runtime.arch;

import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.runtime.QuantaException;
import dev.quanta.runtime.kv.KvCache;
import dev.quanta.runtime.model.LayerWeights;
import dev.quanta.runtime.model.ModelConfig;
import dev.quanta.runtime.model.ModelWeights;
import dev.quanta.runtime.model.WeightLoader;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code llama}: Llama 2, Llama 3.x (with {@code rope_freqs.weight} frequency factors), Mistral,
 * TinyLlama, SmolLM2, CodeLlama. Normal (adjacent-pair) RoPE over the whole head, SwiGLU FFN, optional
 * Q/K/V/O biases, output tied to the embeddings when {@code output.weight} is absent. A file that
 * declares {@code llama.attention.sliding_window} (Mistral 7B v0.1: 4096) gets sliding-window attention
 * on every layer.
 */
public final class LlamaArchitecture implements Architecture {
    @Override
    public String name() {
        return "llama";
    }

    @Override
    public String models() {
        return "Llama 2/3.x, Mistral, TinyLlama, SmolLM2, CodeLlama";
    }

    @Override
    public ModelConfig config(GgufFile file, int nVocab) {
        ModelConfig c = ModelConfig.read(file.path(), file.metadata(), OpParams.RopeMode.NORM, nVocab);
        if (c.nRot() != c.headDimK())
            throw new QuantaException(file.path() + ": metadata key 'llama.rope.dimension_count' = " + c.nRot()
                    + " must equal the head size " + c.headDimK() + " for architecture llama");
        var k = new ModelConfig.Keys(file.path(), file.metadata(), c.arch());
        int window = k.optInt("attention.sliding_window", 0);
        if (window < 0) throw k.invalid("attention.sliding_window", window, "must not be negative");
        return window == 0 ? c : c.withFeatures(c.features().withSlidingWindow(window, 0));
    }

    @Override
    public ModelWeights load(WeightLoader wl, ModelConfig c) {
        return loadStandard(wl, c);
    }

    /** The tensor set of the llama family (shared by families with the same names). */
    static ModelWeights loadStandard(WeightLoader wl, ModelConfig c) {
        long e = c.nEmbd(), qDim = (long) c.nHead() * c.headDimK(), kDim = c.kvRowK(), vDim = c.kvRowV();
        long oDim = (long) c.nHead() * c.headDimV();
        Tensor tokEmbd = wl.require("token_embd.weight", e, c.nVocab());
        Tensor outputNorm = wl.require("output_norm.weight", e);
        Tensor output = wl.optional("output.weight", e, c.nVocab());
        Tensor ropeFreqs = wl.optional("rope_freqs.weight", c.nRot() / 2);
        List<LayerWeights> layers = new ArrayList<>(c.nLayer());
        for (int i = 0; i < c.nLayer(); i++) {
            String p = "blk." + i + ".";
            layers.add(LayerWeights.standard(
                    wl.require(p + "attn_norm.weight", e),
                    wl.require(p + "attn_q.weight", e, qDim),
                    wl.require(p + "attn_k.weight", e, kDim),
                    wl.require(p + "attn_v.weight", e, vDim),
                    wl.require(p + "attn_output.weight", oDim, e),
                    wl.optional(p + "attn_q.bias", qDim),
                    wl.optional(p + "attn_k.bias", kDim),
                    wl.optional(p + "attn_v.bias", vDim),
                    wl.optional(p + "attn_output.bias", e),
                    wl.require(p + "ffn_norm.weight", e),
                    wl.require(p + "ffn_gate.weight", e, c.nFf()),
                    wl.require(p + "ffn_up.weight", e, c.nFf()),
                    wl.require(p + "ffn_down.weight", c.nFf(), e)));
        }
        return new ModelWeights(tokEmbd, outputNorm, output == null ? tokEmbd : output, ropeFreqs, List.copyOf(layers));
    }

    @Override
    public Tensor forward(Graph g, ModelConfig c, ModelWeights w, KvCache kv, ForwardInputs in) {
        return Decoder.forward(g, c, w, kv, in);
    }
}
