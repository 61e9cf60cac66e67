package dev.quanta.runtime.arch;

import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.runtime.kv.KvCache;
import dev.quanta.runtime.model.LayerWeights;
import dev.quanta.runtime.model.ModelConfig;
import dev.quanta.runtime.model.ModelWeights;

/**
 * The pre-norm decoder-only transformer that the llama family defines and the others vary on:
 * RMSNorm → attention (RoPE, GQA, KV cache) → residual → RMSNorm → gated FFN → residual, then a
 * final RMSNorm and the output projection. What a family adds is switched on by its tensors, where a
 * file has them, and by {@link ModelConfig.Features}, the way llama.cpp's graphs do:
 * <ul>
 *   <li>Q/K/V/O biases (qwen2, some llama files); a fused {@code attn_qkv} (phi3), read through three
 *       row views of the weight — Q rows, K rows, V rows;
 *   <li>QK-norm: RMSNorm of every query and key head before RoPE (qwen3, gemma3);
 *   <li>post-norms after attention and after the FFN (gemma2, gemma3);
 *   <li>SwiGLU or GeGLU; a fused {@code ffn_up} holding [gate; up] rows (phi3);
 *   <li>embeddings scaled by sqrt(nEmbd) (gemma), attention-logit and final-logit soft-caps (gemma2);
 *   <li>sliding-window layers: their own KQ mask and, for gemma3, their own RoPE base;
 *   <li>RoPE frequency factors: {@code rope_freqs} (Llama 3.1) or LongRoPE's long/short factors (phi3),
 *       chosen by the context size.
 * </ul>
 * Every op is one of the kernel contract's (no family needs a kernel of its own).
 *
 * <p>Shapes: ggml order, {@code [ne0, ne1, ...]}, ne0 innermost. nTok = tokens of the micro-batch,
 * nKv = KV cells attention reads, nOut = rows whose logits are wanted.
 */
public final class Decoder {
    private Decoder() {}

    /** The forward pass of one micro-batch; returns logits F32 [nVocab, nOut]. */
    public static Tensor forward(Graph g, ModelConfig c, ModelWeights w, KvCache kv, ForwardInputs in) {
        return forwardLayers(g, c, w, kv, in, 0, c.nLayer(), null);
    }

    /**
     * Part of the forward pass, for a model split across devices: layers [from, to), starting from
     * the token embeddings when {@code from == 0}, else from {@code hidden} (the previous part's
     * output: F32 [nEmbd, nTok], or [nEmbd, nOut] after the last layer); ending with the logits
     * F32 [nVocab, nOut] when {@code to == nLayer}, else returning the hidden state (marked output).
     */
    public static Tensor forwardLayers(Graph g, ModelConfig c, ModelWeights w, KvCache kv, ForwardInputs in,
                                       int from, int to, Tensor hidden) {
        final int nTok = in.nTok(), nKv = in.nKv(), hdK = c.headDimK();
        final ModelConfig.Features f = c.features();
        final OpParams.Attention attn = c.attention();
        final Tensor ropeFactors = w.ropeFactors(kv.size(), c.nCtxOrig());
        final int last = c.nLayer() - 1;

        Tensor x = hidden;
        if (from == 0) {
            x = g.getRows(w.tokEmbd(), in.tokens());                                  // [nEmbd, nTok]
            if (f.embdScale() != 1f) x = g.scale(x, f.embdScale());                   // gemma: * sqrt(nEmbd)
        }
        for (int l = from; l < to; l++) {
            LayerWeights L = w.layer(l);
            OpParams.Rope rope = c.rope(l);
            Tensor h = g.rmsNorm(x, L.attnNorm(), c.normEps());                       // [nEmbd, nTok]
            Tensor[] qkv = qkv(g, c, L, h);
            Tensor q = g.reshape(qkv[0], hdK, c.nHead(), nTok);                       // [hdK, nHead, nTok]
            Tensor k = g.reshape(qkv[1], hdK, c.nHeadKv(), nTok);                     // [hdK, nHeadKv, nTok]
            Tensor v = qkv[2];                                                        // [nHeadKv*hdV, nTok]
            if (L.attnQNorm() != null) q = g.rmsNorm(q, L.attnQNorm(), c.normEps());  // QK-norm, per head
            if (L.attnKNorm() != null) k = g.rmsNorm(k, L.attnKNorm(), c.normEps());
            q = g.rope(q, in.pos(), ropeFactors, rope);                               // [hdK, nHead, nTok]
            k = g.rope(k, in.pos(), ropeFactors, rope);                               // [hdK, nHeadKv, nTok]
            kv.store(g, l, g.reshape(k, c.kvRowK(), nTok), v, in.cells());           // cache rows at the batch's cells
            Tensor a = g.attention(q, kv.keys(g, l, nKv), kv.values(g, l, nKv), in.mask(c.isSwa(l)), attn); // [nHead*hdV, nTok]
            Tensor o = Decoder.linear(g, L.wo(), L.bo(), a);                          // [nEmbd, nTok]
            if (L.attnPostNorm() != null) o = g.rmsNorm(o, L.attnPostNorm(), c.normEps());
            if (l == last) {                                                          // only the rows that want logits
                o = g.getRows(o, in.outIds());                                        // [nEmbd, nOut]
                x = g.getRows(x, in.outIds());                                        // [nEmbd, nOut]
            }
            x = g.add(x, o);                                                          // [nEmbd, n] residual
            h = g.rmsNorm(x, L.ffnNorm(), c.normEps());                               // [nEmbd, n]
            Tensor ffn = g.mulMat(L.ffnDown(), ffnInner(g, c, L, h));                 // [nEmbd, n]
            if (L.ffnPostNorm() != null) ffn = g.rmsNorm(ffn, L.ffnPostNorm(), c.normEps());
            x = g.add(x, ffn);                                                        // [nEmbd, n] residual
        }
        if (to <= last) return x.markOutput();                                        // the next part goes on
        x = g.rmsNorm(x, w.outputNorm(), c.normEps());                                // [nEmbd, nOut]
        Tensor logits = g.mulMat(w.output(), x);                                      // [nVocab, nOut]
        if (f.finalSoftcap() != 0f) logits = g.softcap(logits, f.finalSoftcap());     // gemma2: cap * tanh(l / cap)
        return logits.markOutput();
    }

    /** Q [nHead*hdK, n], K [nHeadKv*hdK, n], V [nHeadKv*hdV, n]: three projections, or three row blocks of a fused one. */
    static Tensor[] qkv(Graph g, ModelConfig c, LayerWeights L, Tensor h) {
        Tensor wq = L.wq(), wk = L.wk(), wv = L.wv();
        if (L.wqkv() != null) {
            long qDim = (long) c.nHead() * c.headDimK(), kDim = c.kvRowK(), vDim = c.kvRowV();
            wq = g.rows(L.wqkv(), 0, qDim);
            wk = g.rows(L.wqkv(), qDim, kDim);
            wv = g.rows(L.wqkv(), qDim + kDim, vDim);
        }
        return new Tensor[] {linear(g, wq, L.bq(), h), linear(g, wk, L.bk(), h), linear(g, wv, L.bv(), h)};
    }

    /** act(gate) * up [nFf, n]; a fused ffn_up is split into its gate rows and its up rows. */
    static Tensor ffnInner(Graph g, ModelConfig c, LayerWeights L, Tensor h) {
        Tensor wGate = L.ffnGate(), wUp = L.ffnUp();
        if (wGate == null) {
            wGate = g.rows(L.ffnUp(), 0, c.nFf());
            wUp = g.rows(L.ffnUp(), c.nFf(), c.nFf());
        }
        Tensor gate = g.mulMat(wGate, h);                                             // [nFf, n]
        Tensor up = g.mulMat(wUp, h);                                                 // [nFf, n]
        return c.features().activation() == ModelConfig.Activation.GELU ? g.geglu(gate, up) : g.swiglu(gate, up);
    }

    /** W·x (+ b when the file has a bias). */
    static Tensor linear(Graph g, Tensor weight, Tensor bias, Tensor x) {
        Tensor y = g.mulMat(weight, x);
        return bias == null ? y : g.add(y, bias);
    }
}
