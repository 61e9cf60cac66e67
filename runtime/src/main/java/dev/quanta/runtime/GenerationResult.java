package dev.quanta.runtime;

/**
 * The outcome of one generation.
 *
 * @param text    the generated text (stop string and end-of-generation token excluded)
 * @param tokens  the generated token ids (the end-of-generation token excluded)
 * @param reason  why it ended
 * @param timings prompt and generation timings
 * @param seed    the sampler seed that was used
 * @param message a note for the user when {@code reason} needs one (context full), else null
 */
public record GenerationResult(String text, int[] tokens, StopReason reason, Timings timings, long seed, String message) {}
