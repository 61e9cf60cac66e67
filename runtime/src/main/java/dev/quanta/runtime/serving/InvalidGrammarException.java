package dev.quanta.runtime.serving;

/**
 * A request's grammar or JSON Schema is malformed, uses something that cannot be enforced, or
 * cannot be started by any token of the model's vocabulary. Thrown by {@link ServingEngine#submit}
 * before the request is queued (no slot is taken); the message says what is wrong and where.
 */
public final class InvalidGrammarException extends IllegalArgumentException {
    public InvalidGrammarException(String message, Throwable cause) {
        super(message, cause);
    }
}
