package dev.quanta.loader.tokenizer;

import java.util.Arrays;

/**
 * Token text to id, looked up by a range of a {@link CharSequence} without building a String
 * (open addressing; the hash is {@link String#hashCode}'s). When two tokens have the same text
 * the later id wins, as in llama.cpp.
 */
final class TokenMap {
    private final String[] texts;
    private final int[] slots;
    private final int mask;
    private final int shift;

    TokenMap(String[] texts) {
        this.texts = texts;
        int cap = Integer.highestOneBit(Math.max(4, texts.length * 2 - 1)) << 1;
        slots = new int[cap];
        Arrays.fill(slots, -1);
        mask = cap - 1;
        shift = 32 - Integer.numberOfTrailingZeros(cap);
        for (int id = 0; id < texts.length; id++) {
            String t = texts[id];
            int h = mix(t.hashCode());
            while (slots[h] >= 0 && !texts[slots[h]].equals(t)) h = (h + 1) & mask;
            slots[h] = id;
        }
    }

    /** Fibonacci hashing: the top bits of h * 2^32/phi (String hashes of short texts cluster in the low bits). */
    private int mix(int h) {
        return (h * 0x9E3779B9) >>> shift;
    }

    /** The id of the token whose text is {@code s[from, to)}, or -1. */
    int get(CharSequence s, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) h = 31 * h + s.charAt(i);
        int len = to - from;
        for (int k = mix(h); ; k = (k + 1) & mask) {
            int id = slots[k];
            if (id < 0) return -1;
            String t = texts[id];
            if (t.length() == len && regionEquals(t, s, from, len)) return id;
        }
    }

    int get(String s) {
        return get(s, 0, s.length());
    }

    private static boolean regionEquals(String t, CharSequence s, int from, int len) {
        if (s instanceof String str) return t.regionMatches(0, str, from, len);
        for (int i = 0; i < len; i++) if (t.charAt(i) != s.charAt(from + i)) return false;
        return true;
    }
}
