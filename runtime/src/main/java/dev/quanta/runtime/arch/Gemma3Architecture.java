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
 * {@code gemma3}: Gemma 3 text models (270M, 1B, 4B, 12B, 27B), after llama.cpp's {@code llm_build_gemma3}
 * (which came after the llama.cpp snapshot the reference data was made with; see docs/runtime.md). The
 * gemma2 block (embeddings * sqrt(nEmbd), pre- and post-norms around attention and FFN, GeGLU, NEOX RoPE)
 * with
 * <ul>
 *   <li>QK-norm: RMSNorm of every query and key head ({@code attn_q_norm}, {@code attn_k_norm}) before RoPE;
 *   <li>no attention soft-cap; a final soft-cap only when the file sets {@code final_logit_softcapping};
 *   <li>when {@code attention.sliding_window} is set: five local (sliding-window) layers then one global
 *       (layer l is local when l % 6 < 5), local layers with RoPE base 10000 and no frequency scaling,
 *       global layers with {@code rope.freq_base} and {@code rope.scaling.*}; without it every layer is global;
 *   <li>query scale 1/sqrt(nEmbd / nHead) for the 27B model (62 layers), 1/sqrt(head size) otherwise;
 *   <li>{@code output.weight} when present, else the embeddings.
 * </ul>
 */
public final class Gemma3Architecture implements Architecture {
    @Override
    public String name() {
        return "gemma3";
    }

    @Override
    public String models() {
        return "Gemma 3 (text)";
    }

    @Override
    public ModelConfig config(GgufFile file, int nVocab) {
        ModelConfig c = ModelConfig.read(file.path(), file.metadata(), OpParams.RopeMode.NEOX, nVocab);
        var k = new ModelConfig.Keys(file.path(), file.metadata(), c.arch());
        int window = k.optInt("attention.sliding_window", 0);
        if (window < 0) throw k.invalid("attention.sliding_window", window, "must not be negative");
        float finalCap = k.optFloat("final_logit_softcapping", 0f);
        if (finalCap < 0f || Float.isNaN(finalCap)) throw k.invalid("final_logit_softcapping", finalCap, "must not be negative");
        ModelConfig.Features f = c.features().withSoftcaps(0f, finalCap)
                .withEmbdScale((float) Math.sqrt(c.nEmbd())).withActivation(ModelConfig.Activation.GELU);
        if (window > 0) f = f.withSlidingWindow(window, 6).withSwaRope(10000f, 1f);
        return c.withFeatures(f).withAttnScale(Gemma2Architecture.gemmaQueryScale(c, 62));
    }

    @Override
    public ModelWeights load(WeightLoader wl, ModelConfig c) {
        return Gemma2Architecture.loadGemma(wl, c, true);
    }

    @Override
    public Tensor forward(Graph g, ModelConfig c, ModelWeights w, KvCache kv, ForwardInputs in) {
        return Decoder.forward(g, c, w, kv, in);
    }
}
