package dev.quanta.runtime.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a set of Unicode code point ranges into UTF-8 byte-range sequences: each sequence is
 * 1..4 byte ranges, and a byte string matches the code point set exactly when it matches one
 * sequence. Surrogates (U+D800..U+DFFF) are never encoded. This is what lets the grammar engine
 * run on bytes, so that tokens ending in the middle of a character are handled exactly.
 */
final class Utf8Ranges {
    private Utf8Ranges() {}

    static final int MAX_CP = 0x10FFFF;

    /** Sorted, merged ranges (pairs lo, hi inclusive) of the complement within 0..0x10FFFF. */
    static int[] complement(int[] ranges) {
        int[] r = normalize(ranges);
        List<Integer> out = new ArrayList<>();
        int next = 0;
        for (int i = 0; i < r.length; i += 2) {
            if (r[i] > next) { out.add(next); out.add(r[i] - 1); }
            next = r[i + 1] + 1;
        }
        if (next <= MAX_CP) { out.add(next); out.add(MAX_CP); }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Sorts and merges overlapping/adjacent ranges; clamps to 0..0x10FFFF. */
    static int[] normalize(int[] ranges) {
        int n = ranges.length / 2;
        long[] packed = new long[n];
        for (int i = 0; i < n; i++) packed[i] = ((long) ranges[2 * i] << 32) | (ranges[2 * i + 1] & 0xFFFFFFFFL);
        java.util.Arrays.sort(packed);
        List<Integer> out = new ArrayList<>();
        for (long p : packed) {
            int lo = Math.max(0, (int) (p >> 32)), hi = Math.min(MAX_CP, (int) p);
            if (lo > hi) continue;
            int k = out.size();
            if (k > 0 && lo <= out.get(k - 1) + 1) out.set(k - 1, Math.max(out.get(k - 1), hi));
            else { out.add(lo); out.add(hi); }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Byte-range sequences for the code point ranges: each int[] is (lo0,hi0, lo1,hi1, ...). */
    static List<int[]> sequences(int[] ranges) {
        int[] r = normalize(ranges);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < r.length; i += 2) {
            int lo = r[i], hi = r[i + 1];
            // cut out the surrogates
            if (lo <= 0xDFFF && hi >= 0xD800) {
                if (lo < 0xD800) split(lo, 0xD7FF, out);
                if (hi > 0xDFFF) split(0xE000, hi, out);
            } else {
                split(lo, hi, out);
            }
        }
        return out;
    }

    private static void split(int lo, int hi, List<int[]> out) {
        if (lo > hi) return;
        for (int boundary : new int[] {0x7F, 0x7FF, 0xFFFF}) {
            if (lo <= boundary && hi > boundary) {
                split(lo, boundary, out);
                split(boundary + 1, hi, out);
                return;
            }
        }
        int n = length(lo);
        for (int i = 1; i < n; i++) {
            int m = (1 << (6 * i)) - 1;
            if ((lo & ~m) != (hi & ~m)) {
                if ((lo & m) != 0) {
                    split(lo, lo | m, out);
                    split((lo | m) + 1, hi, out);
                    return;
                }
                if ((hi & m) != m) {
                    split(lo, (hi & ~m) - 1, out);
                    split(hi & ~m, hi, out);
                    return;
                }
            }
        }
        byte[] a = encode(lo), b = encode(hi);
        int[] seq = new int[2 * n];
        for (int k = 0; k < n; k++) { seq[2 * k] = a[k] & 0xFF; seq[2 * k + 1] = b[k] & 0xFF; }
        out.add(seq);
    }

    static int length(int cp) {
        return cp <= 0x7F ? 1 : cp <= 0x7FF ? 2 : cp <= 0xFFFF ? 3 : 4;
    }

    static byte[] encode(int cp) {
        return new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
