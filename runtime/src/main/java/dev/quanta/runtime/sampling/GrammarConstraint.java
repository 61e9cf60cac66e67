package dev.quanta.runtime.sampling;

import dev.quanta.runtime.grammar.Grammar;
import dev.quanta.runtime.grammar.GrammarMatcher;
import dev.quanta.runtime.grammar.GrammarVocabulary;

/**
 * The grammar state of one request, in the form a sampling loop needs: {@link #applyMask} sets
 * the logits of the tokens the grammar forbids to {@code -inf} (before the sampling chain), and
 * {@link #accept} advances by the sampled token. End-of-generation tokens are allowed exactly
 * when the output is complete; {@link #isDone()} says when nothing more can follow.
 *
 * <p>A batching engine keeps one per sequence and calls {@code applyMask(row)} on that
 * sequence's logits row, then {@code accept(token)}. Not thread-safe; cheap to create (the
 * vocabulary's trie and the grammar's mask cache are shared).
 */
public final class GrammarConstraint {
    private final GrammarMatcher matcher;
    private final long[] words;
    private boolean maskValid;
    private int accepted;

    /** A constraint at the start of {@code grammar}, over {@code vocab} (the model's, shared). */
    public GrammarConstraint(Grammar grammar, GrammarVocabulary vocab) {
        this.matcher = grammar.matcher(vocab);
        this.words = new long[(vocab.size() + 63) >>> 6];
    }

    /** The underlying matcher (for tests and diagnostics; do not advance it directly). */
    public GrammarMatcher matcher() {
        return matcher;
    }

    /** Number of tokens allowed at this point (computes the mask if needed). */
    public int allowedCount() {
        ensureMask();
        int n = 0;
        for (long w : words) n += Long.bitCount(w);
        return n;
    }

    /** Whether {@code token} may be sampled at this point. */
    public boolean allows(int token) {
        ensureMask();
        return token >= 0 && (token >>> 6) < words.length && (words[token >>> 6] >>> token & 1L) != 0;
    }

    /**
     * Sets {@code logits[i] = -inf} for every token the grammar does not allow next (ids beyond the
     * vocabulary included).
     *
     * @throws IllegalStateException when no token of the vocabulary can continue the output
     *     (the grammar needs text the vocabulary cannot spell), or after {@link #isDone()}
     */
    public void applyMask(float[] logits) {
        ensureMask();
        boolean any = false;
        int n = logits.length;
        for (int w = 0; w < words.length; w++) {
            long bits = words[w];
            if (bits != 0) any = true;
            if (bits == -1L) continue;
            int base = w << 6, end = Math.min(n, base + 64);
            for (int i = base; i < end; i++) if ((bits >>> (i - base) & 1L) == 0) logits[i] = Float.NEGATIVE_INFINITY;
        }
        for (int i = words.length << 6; i < n; i++) logits[i] = Float.NEGATIVE_INFINITY;
        if (!any) {
            throw new IllegalStateException(matcher.isEnded() ? "the grammar has ended"
                    : "no token of the vocabulary can continue the grammar after " + accepted + " tokens");
        }
    }

    /**
     * Advances by the sampled token.
     *
     * @throws IllegalArgumentException when the grammar does not allow it (state unchanged)
     */
    public void accept(int token) {
        matcher.accept(token);
        accepted++;
        maskValid = false;
    }

    /** True when the output so far is a complete sentence of the grammar. */
    public boolean isComplete() {
        return matcher.isComplete();
    }

    /** True when generation must stop: an end token was accepted, or the output is complete and nothing can follow. */
    public boolean isDone() {
        return matcher.isEnded() || (matcher.isComplete() && !matcher.canContinue());
    }

    /** Tokens accepted so far. */
    public int acceptedTokens() {
        return accepted;
    }

    private void ensureMask() {
        if (maskValid) return;
        matcher.fillMask(words);
        maskValid = true;
    }
}
