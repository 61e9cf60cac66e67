package dev.quanta.runtime.model;

import dev.quanta.kernels.graph.Tensor;
import java.util.List;

/**
 * The tensors of a decoder-only model, placed on one device.
 *
 * @param tokEmbd          {@code token_embd.weight} [nEmbd, nVocab]
 * @param outputNorm       {@code output_norm.weight} [nEmbd]
 * @param output           {@code output.weight} [nEmbd, nVocab], or {@code tokEmbd} when the file ties them
 * @param ropeFreqs        {@code rope_freqs.weight} [nRot/2] (Llama 3.1 frequency factors) or null
 * @param ropeFactorsLong  {@code rope_factors_long.weight} [nRot/2] (Phi-3 LongRoPE, contexts beyond the original) or null
 * @param ropeFactorsShort {@code rope_factors_short.weight} [nRot/2] (Phi-3 LongRoPE, short contexts) or null
 * @param layers           one entry per block
 */
public record ModelWeights(Tensor tokEmbd, Tensor outputNorm, Tensor output, Tensor ropeFreqs,
                           Tensor ropeFactorsLong, Tensor ropeFactorsShort, List<LayerWeights> layers) {

    public ModelWeights(Tensor tokEmbd, Tensor outputNorm, Tensor output, Tensor ropeFreqs, List<LayerWeights> layers) {
        this(tokEmbd, outputNorm, output, ropeFreqs, null, null, layers);
    }

    public LayerWeights layer(int i) {
        return layers.get(i);
    }

    /** True when the output projection is the embedding table. */
    public boolean tiedOutput() {
        return output == tokEmbd;
    }

    /**
     * The RoPE frequency factors for a context of {@code nCtx} cells, as llama.cpp's
     * {@code build_rope_factors}: {@code rope_freqs} when present, else LongRoPE's long factors when
     * the context exceeds the original training context ({@code rope.scaling.original_context_length}),
     * else the short ones; null when the file has none.
     */
    public Tensor ropeFactors(int nCtx, int nCtxOrig) {
        if (ropeFreqs != null) return ropeFreqs;
        if (ropeFactorsLong != null && nCtx > nCtxOrig) return ropeFactorsLong;
        return ropeFactorsShort;
    }
}
