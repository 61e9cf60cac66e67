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
 * {@code qwen3}: Qwen 3 dense models, after llama.cpp's {@code llm_build_qwen3} (newer than the llama.cpp
 * snapshot the reference data was made with). The llama block with NEOX RoPE, no Q/K/V biases, and
 * QK-norm: RMSNorm of every query and key head ({@code attn_q_norm}, {@code attn_k_norm}, [head size])
 * before RoPE. Head size from {@code attention.key_length} (may differ from nEmbd / nHead); output tied
 * when {@code output.weight} is absent.
 */
public final class Qwen3Architecture implements Architecture {
    @Override
    public String name() {
        return "qwen3";
    }

    @Override
    public String models() {
        return "Qwen 3 (dense)";
    }

    @Override
    public ModelConfig config(GgufFile file, int nVocab) {
        return ModelConfig.read(file.path(), file.metadata(), OpParams.RopeMode.NEOX, nVocab);
    }

    @Override
    public ModelWeights load(WeightLoader wl, ModelConfig c) {
        ModelWeights w = LlamaArchitecture.loadStandard(wl, c);
        List<LayerWeights> layers = new ArrayList<>(c.nLayer());
        for (int i = 0; i < c.nLayer(); i++) {
            String p = "blk." + i + ".";
            layers.add(w.layer(i).withQkNorm(wl.require(p + "attn_q_norm.weight", c.headDimK()),
                    wl.require(p + "attn_k_norm.weight", c.headDimK())));
        }
        return new ModelWeights(w.tokEmbd(), w.outputNorm(), w.output(), w.ropeFreqs(), List.copyOf(layers));
    }

    @Override
    public Tensor forward(Graph g, ModelConfig c, ModelWeights w, KvCache kv, ForwardInputs in) {
        return Decoder.forward(g, c, w, kv, in);
    }
}
