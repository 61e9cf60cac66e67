package dev.quanta.runtime.serving;

import dev.quanta.runtime.QuantaException;

/** The engine's waiting queue is full; try again later. */
public final class EngineBusyException extends QuantaException {
    public EngineBusyException(String message) {
        super(message);
    }
}
