package dev.quanta.loader.tokenizer;

import java.util.Arrays;

/**
 * Token ids of recently encoded words, keyed by the word's code points, looked up by a range of
 * an {@code int[]} without building a key object (open addressing). Not thread-safe: each
 * thread keeps its own (the models hold one per thread). It starts small (a short text on a
 * fresh thread pays little) and doubles up to {@value #MAX_SLOTS} slots; when that is half full
 * it starts over empty.
 */
final class WordCache {
    static final int MAX_WORD = 64; // longer words are not cached
    static final int MAX_SLOTS = 1 << 16;
    private int[][] keys = new int[256][];
    private int[][] values = new int[256][];
    private int[] hashes = new int[256];
    private int mask = 255;
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
        for (int k = h & mask; ; k = (k + 1) & mask) {
            int[] key = keys[k];
            if (key == null) return null;
            if (hashes[k] == h && same(key, c, from, to)) return values[k];
        }
    }

    /** Caches the ids of the chars {@code c[from, to)}; the word must not be cached yet. */
    void put(String c, int from, int to, int[] ids, int idsFrom, int idsTo) {
        int[] key = new int[to - from];
        for (int i = 0; i < key.length; i++) key[i] = c.charAt(from + i);
        put(key, 0, key.length, ids, idsFrom, idsTo);
    }

    /** The ids cached for {@code c[from, to)}, or null. */
    int[] get(int[] c, int from, int to) {
        int h = hash(c, from, to);
        for (int k = h & mask; ; k = (k + 1) & mask) {
            int[] key = keys[k];
            if (key == null) return null;
            if (hashes[k] == h && Arrays.equals(key, 0, key.length, c, from, to)) return values[k];
        }
    }

    /** Caches the ids of {@code c[from, to)} (copies both); the word must not be cached yet (a {@link #get} just missed). */
    void put(int[] c, int from, int to, int[] ids, int idsFrom, int idsTo) {
        if (2 * (size + 1) > keys.length) {
            if (keys.length < MAX_SLOTS) {
                grow();
            } else {
                Arrays.fill(keys, null);
                Arrays.fill(values, null);
                size = 0;
            }
        }
        insert(Arrays.copyOfRange(c, from, to), Arrays.copyOfRange(ids, idsFrom, idsTo), hash(c, from, to));
    }

    private void insert(int[] key, int[] value, int h) {
        int k = h & mask;
        while (keys[k] != null) k = (k + 1) & mask;
        keys[k] = key;
        values[k] = value;
        hashes[k] = h;
        size++;
    }

    private void grow() {
        int[][] oldKeys = keys, oldValues = values;
        int[] oldHashes = hashes;
        int cap = oldKeys.length * 2;
        keys = new int[cap][];
        values = new int[cap][];
        hashes = new int[cap];
        mask = cap - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) if (oldKeys[i] != null) insert(oldKeys[i], oldValues[i], oldHashes[i]);
    }
}
