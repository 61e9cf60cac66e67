package dev.quanta.kernels.graph;

/** Typed parameters of the ops that have them. */
public sealed interface OpParams {

    record Eps(float eps) implements OpParams {}

    record Scale(float scale) implements OpParams {}

    record Softcap(float cap) implements OpParams {}

    record SoftMax(float scale) implements OpParams {}

    /** Rotation of adjacent pairs (2i, 2i+1) — llama — or of halves (i, i + nRot/2) — NEOX (qwen2, phi3, gemma). */
    enum RopeMode { NORM, NEOX }

    /**
     * ggml's rope_ext parameters. theta_i = pos * freqScale * freqBase^(-2i/nRot) / freqFactor[i];
     * YaRN ramp when extFactor != 0; cos/sin multiplied by attnFactor (mscale).
     * Dimensions beyond nRot are passed through unchanged.
     */
    record Rope(RopeMode mode, int nRot, int nCtxOrig, float freqBase, float freqScale,
                float extFactor, float attnFactor, float betaFast, float betaSlow) implements OpParams {
        public static Rope plain(RopeMode mode, int nRot, float freqBase) {
            return new Rope(mode, nRot, 0, freqBase, 1f, 0f, 1f, 32f, 1f);
        }
    }

    /**
     * @param nHead     query heads
     * @param nKvHead   key/value heads (nHead % nKvHead == 0)
     * @param headDim   K head size (q and k)
     * @param headDimV  V head size
     * @param scale     multiplier of q.k (usually 1/sqrt(headDim))
     * @param softcap   0 = none, else scores = softcap * tanh(scores / softcap) before the mask
     */
    record Attention(int nHead, int nKvHead, int headDim, int headDimV, float scale, float softcap) implements OpParams {}

    /** View: shape, strides (bytes) and byte offset into the viewed tensor. */
    record View(long[] ne, long[] nb, long offset) implements OpParams {}
}
