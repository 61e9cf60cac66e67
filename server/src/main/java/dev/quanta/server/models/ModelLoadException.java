package dev.quanta.server.models;

/** A model could not be loaded (an unreadable file, an unsupported architecture, not enough memory...). */
public final class ModelLoadException extends RuntimeException {
    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
