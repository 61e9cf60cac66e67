package dev.quanta.loader.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns generated tokens into text as they arrive without ever splitting a UTF-8 character: a
 * byte-level BPE or byte-fallback token may carry part of a character, whose bytes are held until
 * the rest arrives. Bytes that can never form a character are given out as U+FFFD.
 *
 * <p>Not thread-safe: one decoder per stream. Made by {@link Tokenizer#newDecoder()}.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean special;
    private final boolean stripLeadingSpace;
    private boolean first = true;
    private byte[] pending = new byte[16];
    private int n;

    StreamingDecoder(Tokenizer tokenizer, boolean special, boolean stripLeadingSpace) {
        this.tokenizer = tokenizer;
        this.special = special;
        this.stripLeadingSpace = stripLeadingSpace;
    }

    /**
     * Adds one token; returns the text that is now complete (possibly empty). With leading-space
     * stripping on, the first token loses one leading space unless it is BOS (after BOS, the space
     * SentencePiece added stays, as in llama.cpp's detokenize).
     */
    public String accept(int id) {
        byte[] p = tokenizer.pieceBytes(id, special);
        int skip = 0;
        if (first) {
            first = false;
            if (stripLeadingSpace && id != tokenizer.bos() && p.length > 0 && p[0] == ' ') skip = 1;
        }
        append(p, skip);
        return drain(false);
    }

    /** Whatever is still held (incomplete characters become U+FFFD); the decoder can go on after. */
    public String flush() {
        return drain(true);
    }

    private void append(byte[] p, int from) {
        int len = p.length - from;
        if (n + len > pending.length) pending = java.util.Arrays.copyOf(pending, Math.max(n + len, pending.length * 2));
        System.arraycopy(p, from, pending, n, len);
        n += len;
    }

    /** Emits the longest prefix of whole characters (and invalid bytes as U+FFFD). */
    private String drain(boolean all) {
        int i = 0;
        ByteArrayOutputStream out = new ByteArrayOutputStream(n);
        while (i < n) {
            int b = pending[i] & 0xFF;
            int need = b < 0x80 ? 1 : b >= 0xC2 && b < 0xE0 ? 2 : b >= 0xE0 && b < 0xF0 ? 3 : b >= 0xF0 && b < 0xF5 ? 4 : -1;
            if (need < 0) { // a byte that cannot start a character
                out.writeBytes("\uFFFD".getBytes(StandardCharsets.UTF_8));
                i++;
                continue;
            }
            int k = 1;
            while (k < need && i + k < n && (pending[i + k] & 0xC0) == 0x80) k++;
            if (k == need) {
                out.write(pending, i, need);
                i += need;
            } else if (i + k == n && !all) {
                break; // wait for the rest of this character
            } else {
                out.writeBytes("\uFFFD".getBytes(StandardCharsets.UTF_8));
                i += k;
            }
        }
        System.arraycopy(pending, i, pending, 0, n - i);
        n -= i;
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }
}
