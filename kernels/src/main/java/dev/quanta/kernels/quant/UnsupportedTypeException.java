package dev.quanta.kernels.quant;

import dev.quanta.kernels.GgmlType;

/** A ggml type that is known by id but that Quanta cannot compute (yet), named in the message. */
public final class UnsupportedTypeException extends RuntimeException {
    private final GgmlType type;

    public UnsupportedTypeException(GgmlType type, String what) {
        super("ggml type " + type.ggmlName() + " (id " + type.id + ") is not supported" + (what == null ? "" : " for " + what));
        this.type = type;
    }

    public GgmlType type() {
        return type;
    }
}
