package dev.quanta.runtime.arch;

import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.runtime.kv.KvCache;
import dev.quanta.runtime.model.LayerWeights;
import dev.quanta.runtime.model.ModelConfig;
import dev.quanta.runtime.model.ModelWeights;

/**
 * The pre-norm decoder-only transformer that the llama family defines and most others vary on:
 * RMSNorm → attention (RoPE, GQA, KV cache) → residual → RMSNorm → SwiGLU FFN → residual, then a
 * final RMSNorm and the output projection. Optional tensors switch on their op where a file has them,
 * the way llama.cpp's graphs do (Q/K/V/O biases: qwen2, and llama files that carry them). The RoPE
 * mode and attention scale come from {@link ModelConfig}. A family that differs (fused QKV, QK-norm,
 * post-norms, soft-capping, sliding windows) adds its fields to {@link LayerWeights} or its own
 * forward method beside this one and reuses the pieces that agree.
 *
 * <p>Shapes: ggml order, {@code [ne0, ne1, ...]}, ne0 innermost. nTok = tokens of the micro-batch,
 * nKv = KV cells attention reads, nOut = rows whose logits are wanted.
 */
public final class Decoder {
    private Decoder() {}

    /** The forward pass of one micro-batch; returns logits F32 [nVocab, nOut]. */
    public static Tensor forward(Graph g, ModelConfig c, ModelWeights w, KvCache kv, ForwardInputs in) {
        final int nTok = in.nTok(), nKv = in.nKv(), hdK = c.headDimK();
        final OpParams.Rope rope = c.rope();
        final OpParams.Attention attn = c.attention();
        final int last = c.nLayer() - 1;

        Tensor x = g.getRows(w.tokEmbd(), in.tokens());                              // [nEmbd, nTok]
        for (int l = 0; l <= last; l++) {
            LayerWeights L = w.layer(l);
            Tensor h = g.rmsNorm(x, L.attnNorm(), c.normEps());                       // [nEmbd, nTok]
            Tensor q = linear(g, L.wq(), L.bq(), h);                                  // [nHead*hdK, nTok]
            Tensor k = linear(g, L.wk(), L.bk(), h);                                  // [nHeadKv*hdK, nTok]
            Tensor v = linear(g, L.wv(), L.bv(), h);                                  // [nHeadKv*hdV, nTok]
            q = g.rope(g.reshape(q, hdK, c.nHead(), nTok), in.pos(), w.ropeFreqs(), rope);   // [hdK, nHead, nTok]
            k = g.rope(g.reshape(k, hdK, c.nHeadKv(), nTok), in.pos(), w.ropeFreqs(), rope); // [hdK, nHeadKv, nTok]
            kv.store(g, l, g.reshape(k, c.kvRowK(), nTok), v, in.cells());           // cache rows at the batch's cells
            Tensor a = g.attention(q, kv.keys(g, l, nKv), kv.values(g, l, nKv), in.mask(), attn); // [nHead*hdV, nTok]
            Tensor o = linear(g, L.wo(), L.bo(), a);                                  // [nEmbd, nTok]
            if (l == last) {                                                          // only the rows that want logits
                o = g.getRows(o, in.outIds());                                        // [nEmbd, nOut]
                x = g.getRows(x, in.outIds());                                        // [nEmbd, nOut]
            }
            x = g.add(x, o);                                                          // [nEmbd, n] residual
            h = g.rmsNorm(x, L.ffnNorm(), c.normEps());                               // [nEmbd, n]
            Tensor gate = g.mulMat(L.ffnGate(), h);                                   // [nFf, n]
            Tensor up = g.mulMat(L.ffnUp(), h);                                       // [nFf, n]
            Tensor ffn = g.mulMat(L.ffnDown(), g.swiglu(gate, up));                   // [nEmbd, n]
            x = g.add(x, ffn);                                                        // [nEmbd, n] residual
        }
        x = g.rmsNorm(x, w.outputNorm(), c.normEps());                                // [nEmbd, nOut]
        return g.mulMat(w.output(), x).markOutput();                                  // [nVocab, nOut]
    }

    /** W·x (+ b when the file has a bias). */
    static Tensor linear(Graph g, Tensor weight, Tensor bias, Tensor x) {
        Tensor y = g.mulMat(weight, x);
        return bias == null ? y : g.add(y, bias);
    }
}
