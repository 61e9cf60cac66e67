package dev.quanta.runtime.serving;

import dev.quanta.runtime.sampling.SamplerParams;
import java.util.List;

/**
 * One generation for the {@link ServingEngine}.
 *
 * @param prompt      the whole conditioning as token ids (BOS included when wanted); not empty
 * @param maxTokens   stop after this many generated tokens; -1: until end of generation or a full slot
 * @param sampling    the sampling chain (seeded for reproducible draws; temperature 0 is greedy)
 * @param stop        stop strings (not returned)
 * @param ignoreEos   keep going past end-of-generation tokens
 * @param topLogprobs -1: no log-probabilities; n >= 0: the chosen token's log-probability and the n most likely
 */
public record GenerateRequest(int[] prompt, int maxTokens, SamplerParams sampling, List<String> stop, boolean ignoreEos,
                              int topLogprobs) {
    /** Most alternatives {@link #topLogprobs} may ask for. */
    public static final int MAX_TOP_LOGPROBS = 20;

    public GenerateRequest {
        if (prompt == null || prompt.length == 0) throw new IllegalArgumentException("empty prompt");
        prompt = prompt.clone();
        if (maxTokens < -1 || maxTokens == 0) throw new IllegalArgumentException("max tokens must be positive or -1, got " + maxTokens);
        if (sampling == null) sampling = SamplerParams.defaults();
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (topLogprobs < -1 || topLogprobs > MAX_TOP_LOGPROBS)
            throw new IllegalArgumentException("top logprobs must be in 0.." + MAX_TOP_LOGPROBS + ", got " + topLogprobs);
    }

    /** Greedy, no stop strings, no log-probabilities. */
    public static GenerateRequest greedy(int[] prompt, int maxTokens) {
        return new GenerateRequest(prompt, maxTokens, SamplerParams.greedy(), List.of(), false, -1);
    }
}
