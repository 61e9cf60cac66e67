package dev.quanta.runtime.model;

import dev.quanta.kernels.graph.Tensor;

/**
 * The tensors of one decoder block ({@code blk.N.*}). Optional tensors are null when a family or a
 * file does not have them (e.g. the Q/K/V/O biases that llama-architecture files may carry); the
 * decoder switches each one's op on where it is present, as llama.cpp's graphs do.
 *
 * @param attnNorm     {@code attn_norm.weight} [nEmbd]
 * @param wq           {@code attn_q.weight}  [nEmbd, nHead*headDimK], null when fused in {@code wqkv}
 * @param wk           {@code attn_k.weight}  [nEmbd, nHeadKv*headDimK], null when fused
 * @param wv           {@code attn_v.weight}  [nEmbd, nHeadKv*headDimV], null when fused
 * @param wqkv         {@code attn_qkv.weight} [nEmbd, qDim + kDim + vDim]: Q rows, then K rows, then V rows (phi3), or null
 * @param wo           {@code attn_output.weight} [nHead*headDimV, nEmbd]
 * @param bq           {@code attn_q.bias} or null
 * @param bk           {@code attn_k.bias} or null
 * @param bv           {@code attn_v.bias} or null
 * @param bo           {@code attn_output.bias} or null
 * @param attnQNorm    {@code attn_q_norm.weight} [headDimK]: RMSNorm of each query head before RoPE (qwen3, gemma3), or null
 * @param attnKNorm    {@code attn_k_norm.weight} [headDimK]: the same for keys, or null
 * @param attnPostNorm {@code post_attention_norm.weight} [nEmbd]: RMSNorm of the attention output (gemma2/3), or null
 * @param ffnNorm      {@code ffn_norm.weight} [nEmbd]
 * @param ffnGate      {@code ffn_gate.weight} [nEmbd, nFf], or null when {@code ffnUp} holds gate and up (phi3)
 * @param ffnUp        {@code ffn_up.weight}   [nEmbd, nFf], or [nEmbd, 2*nFf] = [gate rows; up rows] when ffnGate is null
 * @param ffnDown      {@code ffn_down.weight} [nFf, nEmbd]
 * @param ffnPostNorm  {@code post_ffw_norm.weight} [nEmbd]: RMSNorm of the FFN output (gemma2/3), or null
 */
public record LayerWeights(
        Tensor attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wqkv, Tensor wo,
        Tensor bq, Tensor bk, Tensor bv, Tensor bo,
        Tensor attnQNorm, Tensor attnKNorm, Tensor attnPostNorm,
        Tensor ffnNorm, Tensor ffnGate, Tensor ffnUp, Tensor ffnDown, Tensor ffnPostNorm) {

    /** The llama block: separate Q/K/V with optional biases, gate and up apart, no extra norms. */
    public static LayerWeights standard(Tensor attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
                                        Tensor bq, Tensor bk, Tensor bv, Tensor bo,
                                        Tensor ffnNorm, Tensor ffnGate, Tensor ffnUp, Tensor ffnDown) {
        return new LayerWeights(attnNorm, wq, wk, wv, null, wo, bq, bk, bv, bo, null, null, null,
                ffnNorm, ffnGate, ffnUp, ffnDown, null);
    }

    /** This block with QK-norm weights. */
    public LayerWeights withQkNorm(Tensor qNorm, Tensor kNorm) {
        return new LayerWeights(attnNorm, wq, wk, wv, wqkv, wo, bq, bk, bv, bo, qNorm, kNorm, attnPostNorm,
                ffnNorm, ffnGate, ffnUp, ffnDown, ffnPostNorm);
    }

    /** This block with post-attention and post-FFN norms. */
    public LayerWeights withPostNorms(Tensor attnPost, Tensor ffnPost) {
        return new LayerWeights(attnNorm, wq, wk, wv, wqkv, wo, bq, bk, bv, bo, attnQNorm, attnKNorm, attnPost,
                ffnNorm, ffnGate, ffnUp, ffnDown, ffnPost);
    }
}
