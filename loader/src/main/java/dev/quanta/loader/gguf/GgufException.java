package dev.quanta.loader.gguf;

import java.nio.file.Path;

/** A GGUF file that cannot be read: names the file, the byte offset and what is wrong. */
public final class GgufException extends RuntimeException {
    public GgufException(Path file, long offset, String what) {
        super(file + (offset >= 0 ? " @" + offset : "") + ": " + what);
    }

    public GgufException(Path file, String what) {
        this(file, -1, what);
    }

    public GgufException(String message, Throwable cause) {
        super(message, cause);
    }
}
