package dev.quanta.loader.tokenizer;

import java.util.Arrays;

/**
 * Token ids of recently encoded words, keyed by the word's code points, looked up by a range of
 * an {@code int[]} without building a key object (open addressing). Not thread-safe: each
 * thread keeps its own (the models hold one per thread). When full it starts over empty.
 */
final class WordCache {
    static final int MAX_WORD = 64; // longer words are not cached
    private static final int SLOTS = 1 << 16, MAX_ENTRIES = SLOTS / 2;
    private final int[][] keys = new int[SLOTS][];
    private final int[][] values = new int[SLOTS][];
    private final int[] hashes = new int[SLOTS];
    private int size;

    private static int hash(int[] c, int from, int to) {
        int h = 0x811C9DC5;
        for (int i = from; i < to; i++) h = (h ^ c[i]) * 0x01000193;
        h ^= h >>> 15;
        return h * 0x2C1B3C6D;
    }

    private static int hash(String c, int from, int to) {
        int h = 0x811C9DC5;
        for (int i = from; i < to; i++) h = (h ^ c.charAt(i)) * 0x01000193;
        h ^= h >>> 15;
        return h * 0x2C1B3C6D;
    }

    private static boolean same(int[] key, String c, int from, int to) {
        if (key.length != to - from) return false;
        for (int i = 0; i < key.length; i++) if (key[i] != c.charAt(from + i)) return false;
        return true;
    }

    /** The ids cached for the chars {@code c[from, to)}, or null (keys made of chars, not code points). */
    int[] get(String c, int from, int to) {
        int h = hash(c, from, to);
        for (int k = h & (SLOTS - 1); ; k = (k + 1) & (SLOTS - 1)) {
            int[] key = keys[k];
            if (key == null) return null;
            if (hashes[k] == h && same(key, c, from, to)) return values[k];
        }
    }

    /** Caches the ids of the chars {@code c[from, to)}. */
    void put(String c, int from, int to, int[] ids, int idsFrom, int idsTo) {
        int[] key = new int[to - from];
        for (int i = 0; i < key.length; i++) key[i] = c.charAt(from + i);
        put(key, 0, key.length, ids, idsFrom, idsTo);
    }

    /** The ids cached for {@code c[from, to)}, or null. */
    int[] get(int[] c, int from, int to) {
        int h = hash(c, from, to);
        for (int k = h & (SLOTS - 1); ; k = (k + 1) & (SLOTS - 1)) {
            int[] key = keys[k];
            if (key == null) return null;
            if (hashes[k] == h && Arrays.equals(key, 0, key.length, c, from, to)) return values[k];
        }
    }

    /** Caches the ids of {@code c[from, to)} (copies both). */
    void put(int[] c, int from, int to, int[] ids, int idsFrom, int idsTo) {
        if (size >= MAX_ENTRIES) {
            Arrays.fill(keys, null);
            Arrays.fill(values, null);
            size = 0;
        }
        int h = hash(c, from, to);
        int k = h & (SLOTS - 1);
        while (keys[k] != null) {
            if (hashes[k] == h && Arrays.equals(keys[k], 0, keys[k].length, c, from, to)) return;
            k = (k + 1) & (SLOTS - 1);
        }
        keys[k] = Arrays.copyOfRange(c, from, to);
        values[k] = Arrays.copyOfRange(ids, idsFrom, idsTo);
        hashes[k] = h;
        size++;
    }
}
