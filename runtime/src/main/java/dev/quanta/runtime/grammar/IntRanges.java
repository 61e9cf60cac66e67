package dev.quanta.runtime.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * GBNF for the decimal integers in a range (no leading zeros, {@code -0} never generated), the
 * digit-by-digit construction of numeric-range regexes: split by digit count, then at each digit
 * either follow the bound or take a free digit class.
 */
final class IntRanges {
    private IntRanges() {}

    /** Integers in [min, max]; either bound may be null (unbounded, up to 16 digits). */
    static String range(Long min, Long max) {
        if (min == null && max == null) return "\"-\"? integral-part";
        if (max == null) {
            if (min >= 0) return atLeast(min);
            return "\"-\" " + uint(1, -min) + " | " + atLeast(0);
        }
        if (min == null) {
            if (max >= 0) return "\"-\" [1-9] [0-9]{0,15} | " + uint(0, max);
            return "\"-\" " + atLeast(-max);
        }
        if (max < 0) return "\"-\" " + uint(-max, -min);
        if (min >= 0) return uint(min, max);
        return "\"-\" " + uint(1, -min) + " | " + uint(0, max);
    }

    /** Non-negative integers >= lo (up to 16 digits, like integral-part). */
    static String atLeast(long lo) {
        int d = Long.toString(lo).length();
        String same = uint(lo, pow10(d) - 1);
        return d >= 16 ? same : "(" + same + " | [1-9] [0-9]{" + d + "," + 15 + "})";
    }

    /** Non-negative integers in [lo, hi] as one parenthesized expression. */
    static String uint(long lo, long hi) {
        List<String> alts = new ArrayList<>();
        int dl = Long.toString(lo).length(), dh = Long.toString(hi).length();
        for (int d = dl; d <= dh; d++) {
            long a = Math.max(lo, d == 1 ? 0 : pow10(d - 1));
            long b = Math.min(hi, pow10(d) - 1);
            if (a <= b) alts.add(fixed(Long.toString(a), Long.toString(b)));
        }
        return "(" + String.join(" | ", alts) + ")";
    }

    private static long pow10(int d) {
        long p = 1;
        for (int i = 0; i < d; i++) p *= 10;
        return p;
    }

    /** Equal-length digit strings a <= b: all digit strings between them. */
    private static String fixed(String a, String b) {
        if (a.isEmpty()) return "";
        if (a.equals(b)) return "\"" + a + "\"";
        char a0 = a.charAt(0), b0 = b.charAt(0);
        String ar = a.substring(1), br = b.substring(1);
        int n = ar.length();
        if (a0 == b0) return "\"" + a0 + "\" " + fixed(ar, br);
        boolean aZeros = ar.chars().allMatch(c -> c == '0'), bNines = br.chars().allMatch(c -> c == '9');
        List<String> alts = new ArrayList<>();
        char lo = a0, hi = b0;
        if (!aZeros) {
            alts.add("\"" + a0 + "\" " + fixed(ar, "9".repeat(n)));
            lo++;
        }
        String high = null;
        if (!bNines) {
            high = "\"" + b0 + "\" " + fixed("0".repeat(n), br);
            hi--;
        }
        if (lo <= hi) alts.add("[" + lo + "-" + hi + "]" + (n == 0 ? "" : " [0-9]{" + n + "}"));
        if (high != null) alts.add(high);
        return "(" + String.join(" | ", alts) + ")";
    }
}
