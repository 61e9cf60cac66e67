package dev.quanta.runtime.arch;

import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.runtime.kv.KvCache;
import dev.quanta.runtime.model.ModelConfig;
import dev.quanta.runtime.model.ModelWeights;
import dev.quanta.runtime.model.WeightLoader;

/**
 * One architecture family ({@code general.architecture}): how to read its hyperparameters, which
 * tensors it has, and its forward graph. Families that agree share {@link Decoder}; a family
 * class states only where it differs. Register a new one in {@link Architectures}.
 */
public interface Architecture {
    /** The {@code general.architecture} value, e.g. "llama". */
    String name();

    /** The models this family covers, for people, e.g. "Llama 2/3, Mistral, TinyLlama, SmolLM2". */
    default String models() {
        return name();
    }

    /** Hyperparameters from the file's metadata; errors name the missing key. */
    ModelConfig config(GgufFile file, int nVocab);

    /** Places the model's tensors through {@code loader}, checking every shape against {@code config}. */
    ModelWeights load(WeightLoader loader, ModelConfig config);

    /**
     * Adds the forward pass of one micro-batch to {@code g} and returns the logits node
     * F32 [nVocab, nOut] (marked as output).
     */
    Tensor forward(Graph g, ModelConfig config, ModelWeights weights, KvCache kv, ForwardInputs in);

    /**
     * Layers [from, to) of the forward pass, for a model split across devices (see
     * {@link Decoder#forwardLayers}): from the embeddings or the previous part's {@code hidden}
     * state, to the logits or the hidden state handed to the next part. The default is the shared
     * {@link Decoder}'s; a family with a forward pass of its own must override it as well.
     */
    default Tensor forwardLayers(Graph g, ModelConfig config, ModelWeights weights, KvCache kv, ForwardInputs in,
                                 int from, int to, Tensor hidden) {
        return Decoder.forwardLayers(g, config, weights, kv, in, from, to, hidden);
    }
}
