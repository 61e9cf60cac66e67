package dev.quanta.runtime.model;

import dev.quanta.kernels.graph.Tensor;

/**
 * The tensors of one decoder block ({@code blk.N.*}). Optional tensors are null when a family or a
 * file does not have them (e.g. the Q/K/V/O biases that llama-architecture files may carry).
 *
 * @param attnNorm {@code attn_norm.weight} [nEmbd]
 * @param wq       {@code attn_q.weight}  [nEmbd, nHead*headDimK]
 * @param wk       {@code attn_k.weight}  [nEmbd, nHeadKv*headDimK]
 * @param wv       {@code attn_v.weight}  [nEmbd, nHeadKv*headDimV]
 * @param wo       {@code attn_output.weight} [nHead*headDimV, nEmbd]
 * @param bq       {@code attn_q.bias} or null
 * @param bk       {@code attn_k.bias} or null
 * @param bv       {@code attn_v.bias} or null
 * @param bo       {@code attn_output.bias} or null
 * @param ffnNorm  {@code ffn_norm.weight} [nEmbd]
 * @param ffnGate  {@code ffn_gate.weight} [nEmbd, nFf]
 * @param ffnUp    {@code ffn_up.weight}   [nEmbd, nFf]
 * @param ffnDown  {@code ffn_down.weight} [nFf, nEmbd]
 */
public record LayerWeights(
        Tensor attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
        Tensor bq, Tensor bk, Tensor bv, Tensor bo,
        Tensor ffnNorm, Tensor ffnGate, Tensor ffnUp, Tensor ffnDown) {}
