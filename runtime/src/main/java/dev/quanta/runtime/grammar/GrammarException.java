package dev.quanta.runtime.grammar;

/**
 * A grammar (or JSON Schema) that cannot be compiled: malformed text (the message names line and
 * column), an undefined rule, left recursion, or a grammar that can accept nothing.
 */
public final class GrammarException extends RuntimeException {
    public GrammarException(String message) {
        super(message);
    }

    /** An error at {@code offset} in {@code src}: the message starts with "line L, column C: ". */
    static GrammarException at(String src, int offset, String what) {
        int line = 1, col = 1;
        for (int i = 0; i < Math.min(offset, src.length()); i++) {
            if (src.charAt(i) == '\n') { line++; col = 1; } else col++;
        }
        return new GrammarException("line " + line + ", column " + col + ": " + what);
    }
}
