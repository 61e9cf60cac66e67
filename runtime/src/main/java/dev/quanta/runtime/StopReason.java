package dev.quanta.runtime;

/** Why generation ended. */
public enum StopReason {
    /** The model produced an end-of-generation token (EOS, EOT, ...). */
    END_OF_GENERATION,
    /** A stop string appeared in the text. */
    STOP_STRING,
    /** The requested number of tokens was generated. */
    MAX_TOKENS,
    /** The context is full and context shift is off. */
    CONTEXT_FULL,
    /** {@link Session#cancel()} was called. */
    CANCELLED
}
