package dev.quanta.runtime.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns token pieces (bytes) into text as they arrive. A character split over several tokens (byte
 * fallback tokens, BPE byte tokens) is held back until its last byte comes; invalid sequences become
 * U+FFFD when flushed.
 */
public final class Utf8Stream {
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    /** Appends {@code bytes}; returns the text that is complete so far (possibly empty). */
    public String push(byte[] bytes) {
        pending.writeBytes(bytes);
        byte[] b = pending.toByteArray();
        int end = completePrefix(b);
        if (end == 0) return "";
        pending.reset();
        pending.write(b, end, b.length - end);
        return new String(b, 0, end, StandardCharsets.UTF_8);
    }

    /** Whatever is left, decoded (incomplete sequences as U+FFFD). */
    public String flush() {
        byte[] b = pending.toByteArray();
        pending.reset();
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Length of the longest prefix that does not end inside a (possibly valid) multi-byte sequence. */
    static int completePrefix(byte[] b) {
        int n = b.length;
        // look back at most 3 bytes for the start of an unfinished sequence
        for (int back = 1; back <= Math.min(3, n); back++) {
            int c = b[n - back] & 0xff;
            if ((c & 0xC0) == 0x80) continue; // continuation byte: keep looking for the lead
            int need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
            return need > back ? n - back : n;
        }
        return n;
    }
}
