package dev.quanta.runtime;

import dev.quanta.runtime.sampling.SamplerParams;
import java.util.List;

/**
 * How one generation runs.
 *
 * @param maxTokens    stop after this many tokens (-1: until end of generation or a full context)
 * @param sampling     the sampling chain
 * @param stopStrings  stop when one of these appears in the text (it is not returned)
 * @param contextShift when the context is full, drop the older half of the tokens after the first
 *                     {@code keep} and continue, instead of stopping
 * @param keep         tokens at the start that a context shift keeps (e.g. BOS and a system prompt)
 * @param ignoreEos    keep going past end-of-generation tokens
 */
public record GenerationOptions(int maxTokens, SamplerParams sampling, List<String> stopStrings,
                                boolean contextShift, int keep, boolean ignoreEos) {
    public GenerationOptions {
        if (sampling == null) sampling = SamplerParams.defaults();
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        if (maxTokens < -1) throw new IllegalArgumentException("max tokens must be >= -1, got " + maxTokens);
        if (keep < 0) throw new IllegalArgumentException("keep must be >= 0, got " + keep);
    }

    /** Until end of generation, llama.cpp's default sampling, no stop strings, no context shift. */
    public static GenerationOptions defaults() {
        return new GenerationOptions(-1, SamplerParams.defaults(), List.of(), false, 1, false);
    }

    public GenerationOptions withMaxTokens(int n) { return new GenerationOptions(n, sampling, stopStrings, contextShift, keep, ignoreEos); }
    public GenerationOptions withSampling(SamplerParams s) { return new GenerationOptions(maxTokens, s, stopStrings, contextShift, keep, ignoreEos); }
    public GenerationOptions withStopStrings(List<String> s) { return new GenerationOptions(maxTokens, sampling, s, contextShift, keep, ignoreEos); }
    public GenerationOptions withContextShift(boolean on) { return new GenerationOptions(maxTokens, sampling, stopStrings, on, keep, ignoreEos); }
    public GenerationOptions withKeep(int n) { return new GenerationOptions(maxTokens, sampling, stopStrings, contextShift, n, ignoreEos); }
    public GenerationOptions withIgnoreEos(boolean on) { return new GenerationOptions(maxTokens, sampling, stopStrings, contextShift, keep, on); }
}
