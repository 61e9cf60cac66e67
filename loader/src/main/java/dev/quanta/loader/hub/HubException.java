package dev.quanta.loader.hub;

/**
 * A model could not be found, fetched or verified. The message is one line meant for the user: it names
 * the repository, file, folder or URL concerned and, where there is one, what to do about it.
 */
public class HubException extends RuntimeException {
    public HubException(String message) {
        super(message);
    }

    public HubException(String message, Throwable cause) {
        super(message, cause);
    }
}
