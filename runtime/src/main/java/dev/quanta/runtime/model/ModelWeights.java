package dev.quanta.runtime.model;

import dev.quanta.kernels.graph.Tensor;
import java.util.List;

/**
 * The tensors of a decoder-only model, placed on one device.
 *
 * @param tokEmbd    {@code token_embd.weight} [nEmbd, nVocab]
 * @param outputNorm {@code output_norm.weight} [nEmbd]
 * @param output     {@code output.weight} [nEmbd, nVocab], or {@code tokEmbd} when the file ties them
 * @param ropeFreqs  {@code rope_freqs.weight} [nRot/2] (Llama 3.1 frequency factors) or null
 * @param layers     one entry per block
 */
public record ModelWeights(Tensor tokEmbd, Tensor outputNorm, Tensor output, Tensor ropeFreqs, List<LayerWeights> layers) {
    public LayerWeights layer(int i) {
        return layers.get(i);
    }

    /** True when the output projection is the embedding table. */
    public boolean tiedOutput() {
        return output == tokEmbd;
    }
}
