package dev.quanta.runtime.serving;

/** How an embedding is made from the final hidden states of a prompt's tokens. */
public enum Pooling {
    /** The mean over all tokens. */
    MEAN,
    /** The last token's (what a causal model has seen the whole text at). */
    LAST
}
