package dev.quanta.runtime.arch;

import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.runtime.kv.KvCache;
import dev.quanta.runtime.model.ModelConfig;
import dev.quanta.runtime.model.ModelWeights;
import dev.quanta.runtime.model.WeightLoader;

/**
 * {@code qwen2}: the llama block with biases on Q, K and V ({@code attn_q/k/v.bias}, present in every
 * file) and NEOX RoPE (rotating the halves of each head). Same tensors and graph as llama otherwise.
 */
public final class Qwen2Architecture implements Architecture {
    @Override
    public String name() {
        return "qwen2";
    }

    @Override
    public String models() {
        return "Qwen 1.5, Qwen 2, Qwen 2.5";
    }

    @Override
    public ModelConfig config(GgufFile file, int nVocab) {
        return ModelConfig.read(file.path(), file.metadata(), OpParams.RopeMode.NEOX, nVocab);
    }

    @Override
    public ModelWeights load(WeightLoader wl, ModelConfig c) {
        ModelWeights w = LlamaArchitecture.loadStandard(wl, c);
        for (int i = 0; i < c.nLayer(); i++) {
            var l = w.layer(i);
            if (l.bq() == null || l.bk() == null || l.bv() == null)
                throw new dev.quanta.runtime.QuantaException(wl.file().path() + ": missing tensor 'blk." + i
                        + ".attn_q.bias' / attn_k.bias / attn_v.bias (required by architecture qwen2)");
        }
        return w;
    }

    @Override
    public Tensor forward(Graph g, ModelConfig c, ModelWeights w, KvCache kv, ForwardInputs in) {
        return Decoder.forward(g, c, w, kv, in);
    }
}
