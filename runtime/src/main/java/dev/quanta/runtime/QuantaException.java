package dev.quanta.runtime;

/**
 * A failure the user can act on: a missing file, an unsupported architecture or tensor type, a prompt
 * longer than the context. The message is one line that names the file, key, tensor or value at fault;
 * front ends print it as is (and the stack trace only when asked to).
 */
public class QuantaException extends RuntimeException {
    public QuantaException(String message) {
        super(message);
    }

    public QuantaException(String message, Throwable cause) {
        super(message, cause);
    }
}
