package dev.quanta.runtime.sampling;

import java.util.Map;

/**
 * The sampling chain's settings, with llama.cpp's defaults ({@link #defaults()}). The chain runs, in
 * order: logit bias, repetition penalties over the last {@code penaltyLastN} tokens, top-k, top-p,
 * min-p, temperature, then a draw with the seeded generator. A temperature of 0 or below is greedy
 * (argmax after bias and penalties; the lowest id wins ties).
 *
 * @param temperature      0 = greedy; otherwise logits are divided by it before the draw
 * @param topK             keep the k most likely tokens (0 = all)
 * @param topP             keep the smallest set whose probability reaches p (1 = off)
 * @param minP             drop tokens less likely than minP times the most likely one (0 = off)
 * @param repeatPenalty    divides positive (multiplies negative) logits of recent tokens (1 = off)
 * @param presencePenalty  subtracted once from the logit of every recent token (0 = off)
 * @param frequencyPenalty subtracted per occurrence of a recent token (0 = off)
 * @param penaltyLastN     how many recent tokens the penalties look at (0 = none, -1 = all)
 * @param logitBias        added to a token's logit (use {@code Float.NEGATIVE_INFINITY} to ban it)
 * @param seed             seed of the generator; -1 = a random seed
 */
public record SamplerParams(float temperature, int topK, float topP, float minP, float repeatPenalty,
                            float presencePenalty, float frequencyPenalty, int penaltyLastN,
                            Map<Integer, Float> logitBias, long seed) {
    public SamplerParams {
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
        if (topP <= 0 || topP > 1) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (minP < 0 || minP > 1) throw new IllegalArgumentException("min-p must be in [0, 1], got " + minP);
        if (repeatPenalty <= 0) throw new IllegalArgumentException("repeat penalty must be positive, got " + repeatPenalty);
        if (penaltyLastN < -1) throw new IllegalArgumentException("penalty window must be >= -1, got " + penaltyLastN);
    }

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties, last 64, random seed. */
    public static SamplerParams defaults() {
        return new SamplerParams(0.8f, 40, 0.95f, 0.05f, 1.0f, 0f, 0f, 64, Map.of(), -1);
    }

    /** Argmax decoding. */
    public static SamplerParams greedy() {
        return defaults().withTemperature(0f);
    }

    public boolean isGreedy() {
        return temperature <= 0f;
    }

    public SamplerParams withTemperature(float t) {
        return new SamplerParams(t, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty, penaltyLastN, logitBias, seed);
    }

    public SamplerParams withTopK(int k) {
        return new SamplerParams(temperature, k, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty, penaltyLastN, logitBias, seed);
    }

    public SamplerParams withTopP(float p) {
        return new SamplerParams(temperature, topK, p, minP, repeatPenalty, presencePenalty, frequencyPenalty, penaltyLastN, logitBias, seed);
    }

    public SamplerParams withMinP(float p) {
        return new SamplerParams(temperature, topK, topP, p, repeatPenalty, presencePenalty, frequencyPenalty, penaltyLastN, logitBias, seed);
    }

    public SamplerParams withRepeatPenalty(float r) {
        return new SamplerParams(temperature, topK, topP, minP, r, presencePenalty, frequencyPenalty, penaltyLastN, logitBias, seed);
    }

    public SamplerParams withPresencePenalty(float p) {
        return new SamplerParams(temperature, topK, topP, minP, repeatPenalty, p, frequencyPenalty, penaltyLastN, logitBias, seed);
    }

    public SamplerParams withFrequencyPenalty(float f) {
        return new SamplerParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, f, penaltyLastN, logitBias, seed);
    }

    public SamplerParams withPenaltyLastN(int n) {
        return new SamplerParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty, n, logitBias, seed);
    }

    public SamplerParams withLogitBias(Map<Integer, Float> bias) {
        return new SamplerParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty, penaltyLastN, bias, seed);
    }

    public SamplerParams withSeed(long s) {
        return new SamplerParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty, penaltyLastN, logitBias, s);
    }
}
