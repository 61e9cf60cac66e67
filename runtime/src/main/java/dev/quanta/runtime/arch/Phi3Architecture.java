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
 * {@code phi3}: Phi-3 / Phi-3.5 mini and medium, Phi-4. The llama block with
 * <ul>
 *   <li>Q, K and V fused in one {@code attn_qkv} matrix (Q rows, then K rows, then V rows) and gate and
 *       up fused in {@code ffn_up} (silu(first half) * second half);
 *   <li>NEOX RoPE; llama.cpp scales Q by 1/sqrt(head size) after RoPE and attends with scale 1, which is
 *       the same product as the attention scale 1/sqrt(head size) used here;
 *   <li>sliding-window attention on every layer: {@code phi3.attention.sliding_window} (0 = none, Phi-4),
 *       with llama.cpp's defaults for older files that lack the key (2047 for the 4K mini/medium, 262144
 *       for the 128K mini, 131072 for the 128K medium), and its error for any other file without it;
 *   <li>LongRoPE (128K models): {@code rope_factors_long/short.weight} as frequency factors, the long ones
 *       when the context exceeds {@code rope.scaling.original_context_length}, and
 *       {@code rope.scaling.attn_factor} scaling cos/sin.
 * </ul>
 * The output projection is never tied.
 */
public final class Phi3Architecture implements Architecture {
    @Override
    public String name() {
        return "phi3";
    }

    @Override
    public String models() {
        return "Phi-3, Phi-3.5, Phi-4";
    }

    @Override
    public ModelConfig config(GgufFile file, int nVocab) {
        ModelConfig c = ModelConfig.read(file.path(), file.metadata(), OpParams.RopeMode.NEOX, nVocab);
        var k = new ModelConfig.Keys(file.path(), file.metadata(), c.arch());
        int window = 0;
        if ((c.nLayer() == 32 || c.nLayer() == 40) && c.nCtxTrain() == 4096) window = 2047;
        else if (c.nLayer() == 32 && c.nHeadKv() == 32 && c.nCtxTrain() == 131072) window = 262144;
        else if (c.nLayer() == 40 && c.nCtxTrain() == 131072) window = 131072;
        if (k.has("attention.sliding_window")) window = k.optInt("attention.sliding_window", 0);
        else if (window == 0)
            throw new QuantaException(file.path() + ": missing metadata key 'phi3.attention.sliding_window' (required by "
                    + "architecture phi3 for this shape; 0 means no sliding window)");
        if (window < 0) throw k.invalid("attention.sliding_window", window, "must not be negative");
        if (c.headDimK() != c.headDimV())
            throw k.invalid("attention.value_length", c.headDimV(), "must equal the key length " + c.headDimK() + " for architecture phi3");
        return c.withFeatures(c.features().withSlidingWindow(window, 0));
    }

    @Override
    public ModelWeights load(WeightLoader wl, ModelConfig c) {
        long e = c.nEmbd(), qDim = (long) c.nHead() * c.headDimK(), kDim = c.kvRowK(), vDim = c.kvRowV();
        Tensor tokEmbd = wl.require("token_embd.weight", e, c.nVocab());
        Tensor outputNorm = wl.require("output_norm.weight", e);
        Tensor output = wl.require("output.weight", e, c.nVocab());
        Tensor ropeLong = wl.optional("rope_factors_long.weight", c.nRot() / 2);
        Tensor ropeShort = wl.optional("rope_factors_short.weight", c.nRot() / 2);
        List<LayerWeights> layers = new ArrayList<>(c.nLayer());
        for (int i = 0; i < c.nLayer(); i++) {
            String p = "blk." + i + ".";
            Tensor wqkv = wl.optional(p + "attn_qkv.weight", e, qDim + kDim + vDim);
            Tensor wq = null, wk = null, wv = null, bq = null, bk = null, bv = null;
            if (wqkv == null) {                       // split Q/K/V with biases (llama.cpp's other phi3 branch)
                wq = wl.require(p + "attn_q.weight", e, qDim);
                wk = wl.require(p + "attn_k.weight", e, kDim);
                wv = wl.require(p + "attn_v.weight", e, vDim);
                bq = wl.optional(p + "attn_q.bias", qDim);
                bk = wl.optional(p + "attn_k.bias", kDim);
                bv = wl.optional(p + "attn_v.bias", vDim);
            }
            layers.add(new LayerWeights(
                    wl.require(p + "attn_norm.weight", e), wq, wk, wv, wqkv,
                    wl.require(p + "attn_output.weight", qDim, e),
                    bq, bk, bv, null, null, null, null,
                    wl.require(p + "ffn_norm.weight", e),
                    null,                                                     // gate: first half of ffn_up
                    wl.require(p + "ffn_up.weight", e, 2L * c.nFf()),
                    wl.require(p + "ffn_down.weight", c.nFf(), e), null));
        }
        return new ModelWeights(tokEmbd, outputNorm, output, null, ropeLong, ropeShort, List.copyOf(layers));
    }

    @Override
    public Tensor forward(Graph g, ModelConfig c, ModelWeights w, KvCache kv, ForwardInputs in) {
        return Decoder.forward(g, c, w, kv, in);
    }
}
