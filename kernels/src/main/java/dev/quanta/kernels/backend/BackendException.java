package dev.quanta.kernels.backend;

/** A backend failure, naming the native call or device that failed. */
public class BackendException extends RuntimeException {
    public BackendException(String message) {
        super(message);
    }

    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
