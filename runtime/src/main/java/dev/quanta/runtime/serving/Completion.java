package dev.quanta.runtime.serving;

import dev.quanta.runtime.StopReason;

/**
 * How a generation ended.
 *
 * @param text            all the text generated (stop string excluded)
 * @param reason          why it ended ({@link StopReason#CONTEXT_FULL}: the slot is full)
 * @param timedOut        true when the request's time ran out (reason is then MAX_TOKENS)
 * @param promptTokens    prompt length
 * @param cachedTokens    prompt tokens reused from the slot's KV cache (not evaluated again)
 * @param generatedTokens tokens sampled (an end-of-generation token is not counted)
 * @param queueMillis     time spent waiting for a slot
 * @param promptMillis    time to evaluate the new prompt tokens
 * @param generateMillis  time from the first sampled token to the end
 */
public record Completion(String text, StopReason reason, boolean timedOut, int promptTokens, int cachedTokens,
                         int generatedTokens, double queueMillis, double promptMillis, double generateMillis) {}
