package dev.quanta.loader.tokenizer;

import java.util.Arrays;

/**
 * The work queue of the merge loops: candidate merges of two adjacent symbols, smallest
 * {@code key} first, ties broken by the leftmost symbol (llama.cpp's comparators for SPM, with
 * key = -score, and BPE, with key = rank). Reused across words to avoid allocation.
 */
final class BigramHeap {
    private double[] key = new double[64];
    private int[] left = new int[64], right = new int[64], size = new int[64];
    private int n;

    void clear() {
        n = 0;
    }

    boolean isEmpty() {
        return n == 0;
    }

    private boolean less(int i, int j) {
        return key[i] < key[j] || (key[i] == key[j] && left[i] < left[j]);
    }

    private void swap(int i, int j) {
        double k = key[i];
        key[i] = key[j];
        key[j] = k;
        int t = left[i];
        left[i] = left[j];
        left[j] = t;
        t = right[i];
        right[i] = right[j];
        right[j] = t;
        t = size[i];
        size[i] = size[j];
        size[j] = t;
    }

    void push(double k, int l, int r, int sz) {
        if (n == key.length) {
            int c = n * 2;
            key = Arrays.copyOf(key, c);
            left = Arrays.copyOf(left, c);
            right = Arrays.copyOf(right, c);
            size = Arrays.copyOf(size, c);
        }
        key[n] = k;
        left[n] = l;
        right[n] = r;
        size[n] = sz;
        int i = n++;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (!less(i, p)) break;
            swap(i, p);
            i = p;
        }
    }

    // The top entry, valid until the next pop/push.
    int topLeft() {
        return left[0];
    }

    int topRight() {
        return right[0];
    }

    int topSize() {
        return size[0];
    }

    double topKey() {
        return key[0];
    }

    void pop() {
        n--;
        if (n == 0) return;
        swap(0, n);
        int i = 0;
        while (true) {
            int l = 2 * i + 1, r = l + 1, m = i;
            if (l < n && less(l, m)) m = l;
            if (r < n && less(r, m)) m = r;
            if (m == i) break;
            swap(i, m);
            i = m;
        }
    }
}
