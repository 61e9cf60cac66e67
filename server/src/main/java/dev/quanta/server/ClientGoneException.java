package dev.quanta.server;

/** Writing to the client failed: it closed the connection. The request is cancelled; nothing is logged as an error. */
final class ClientGoneException extends RuntimeException {
    ClientGoneException(Throwable cause) {
        super("client disconnected", cause, false, false);
    }
}
