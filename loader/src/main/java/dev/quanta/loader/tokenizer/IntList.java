package dev.quanta.loader.tokenizer;

import java.util.Arrays;

/** A growable list of ints (token ids). */
final class IntList {
    int[] a;
    int n;

    IntList() {
        this(16);
    }

    IntList(int cap) {
        a = new int[Math.max(4, cap)];
    }

    void add(int v) {
        if (n == a.length) a = Arrays.copyOf(a, n * 2);
        a[n++] = v;
    }

    void addAll(int[] v) {
        if (n + v.length > a.length) a = Arrays.copyOf(a, Math.max(n + v.length, n * 2));
        System.arraycopy(v, 0, a, n, v.length);
        n += v.length;
    }

    int[] toArray() {
        return Arrays.copyOf(a, n);
    }
}
