package dev.quanta.runtime;

import dev.quanta.runtime.sampling.GrammarSpec;
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
 * @param ignoreEos    keep going past end-of-generation tokens (not with a grammar: a complete
 *                     grammar still ends the generation)
 * @param grammar      constrain the output to a grammar, JSON Schema or JSON object; null for none
 */
public record GenerationOptions(int maxTokens, SamplerParams sampling, List<String> stopStrings,
                                boolean contextShift, int keep, boolean ignoreEos, GrammarSpec grammar) {
    public GenerationOptions {
        if (sampling == null) sampling = SamplerParams.defaults();
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        if (maxTokens < -1) throw new IllegalArgumentException("max tokens must be >= -1, got " + maxTokens);
        if (keep < 0) throw new IllegalArgumentException("keep must be >= 0, got " + keep);
    }

    /** Without a grammar. */
    public GenerationOptions(int maxTokens, SamplerParams sampling, List<String> stopStrings,
                             boolean contextShift, int keep, boolean ignoreEos) {
        this(maxTokens, sampling, stopStrings, contextShift, keep, ignoreEos, null);
    }

    /** Until end of generation, llama.cpp's default sampling, no stop strings, no context shift. */
    public static GenerationOptions defaults() {
        return new GenerationOptions(-1, SamplerParams.defaults(), List.of(), false, 1, false, null);
    }

    public GenerationOptions withMaxTokens(int n) { return new GenerationOptions(n, sampling, stopStrings, contextShift, keep, ignoreEos, grammar); }
    public GenerationOptions withSampling(SamplerParams s) { return new GenerationOptions(maxTokens, s, stopStrings, contextShift, keep, ignoreEos, grammar); }
    public GenerationOptions withStopStrings(List<String> s) { return new GenerationOptions(maxTokens, sampling, s, contextShift, keep, ignoreEos, grammar); }
    public GenerationOptions withContextShift(boolean on) { return new GenerationOptions(maxTokens, sampling, stopStrings, on, keep, ignoreEos, grammar); }
    public GenerationOptions withKeep(int n) { return new GenerationOptions(maxTokens, sampling, stopStrings, contextShift, n, ignoreEos, grammar); }
    public GenerationOptions withIgnoreEos(boolean on) { return new GenerationOptions(maxTokens, sampling, stopStrings, contextShift, keep, on, grammar); }
    /** Constrains the output ({@link GrammarSpec#gbnf}, {@link GrammarSpec#jsonSchema}, {@link GrammarSpec#jsonObject}); null for none. */
    public GenerationOptions withGrammar(GrammarSpec g) { return new GenerationOptions(maxTokens, sampling, stopStrings, contextShift, keep, ignoreEos, g); }
}
