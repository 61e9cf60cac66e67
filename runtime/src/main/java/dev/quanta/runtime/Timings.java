package dev.quanta.runtime;

/**
 * Where the time of one generation went, as llama.cpp prints it.
 *
 * @param promptTokens    prompt tokens evaluated (a prefix already in the KV cache is not counted)
 * @param promptMillis    time to evaluate them
 * @param generatedTokens tokens sampled
 * @param generateMillis  time from the first sample to the end
 */
public record Timings(int promptTokens, double promptMillis, int generatedTokens, double generateMillis) {
    public double promptTokensPerSecond() {
        return promptMillis <= 0 ? 0 : promptTokens * 1000.0 / promptMillis;
    }

    public double generatedTokensPerSecond() {
        return generateMillis <= 0 ? 0 : generatedTokens * 1000.0 / generateMillis;
    }
}
