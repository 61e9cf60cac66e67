package dev.quanta.runtime;

/** The KV cache has no free cell for the next tokens (and context shift is off). */
public final class ContextFullException extends QuantaException {
    public ContextFullException(String message) {
        super(message);
    }
}
