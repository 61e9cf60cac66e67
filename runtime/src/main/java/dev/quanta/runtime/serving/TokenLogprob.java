package dev.quanta.runtime.serving;

import java.util.List;

/**
 * The log-probability of a generated token under the model (softmax of the raw logits, before
 * penalties and temperature) and the most likely alternatives at that step.
 *
 * @param id      token id
 * @param bytes   the token's bytes (may be part of a UTF-8 character)
 * @param logprob natural log of its probability
 * @param top     the most likely tokens at this step, most likely first (may be empty)
 */
public record TokenLogprob(int id, byte[] bytes, float logprob, List<TokenLogprob> top) {
    public TokenLogprob {
        top = top == null ? List.of() : List.copyOf(top);
    }

    /** The token's text (bytes that are not whole UTF-8 characters show as U+FFFD). */
    public String text() {
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }
}
