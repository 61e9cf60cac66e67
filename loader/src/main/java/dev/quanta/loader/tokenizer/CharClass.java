package dev.quanta.loader.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * A literal character class of a pre-tokenizer regex, e.g. {@code [一-龥ࠀ-一가-퟿]}, written as
 * the text between the brackets: single characters and {@code a-b} ranges of code points.
 *
 * <p>llama.cpp runs such regexes (those with non-ASCII literals) over a copy of the text in which
 * every non-ASCII whitespace character was replaced by U+000B, so those never match a literal
 * class; {@link #test} follows that.
 */
final class CharClass implements IntPredicate {
    private final int[] lo;
    private final int[] hi;

    private CharClass(int[] lo, int[] hi) {
        this.lo = lo;
        this.hi = hi;
    }

    static CharClass of(String spec) {
        int[] cps = spec.codePoints().toArray();
        List<int[]> ranges = new ArrayList<>();
        for (int i = 0; i < cps.length; i++) {
            if (i + 2 < cps.length && cps[i + 1] == '-') {
                ranges.add(new int[] {cps[i], cps[i + 2]});
                i += 2;
            } else {
                ranges.add(new int[] {cps[i], cps[i]});
            }
        }
        ranges.sort((a, b) -> Integer.compare(a[0], b[0]));
        int[] lo = new int[ranges.size()], hi = new int[ranges.size()];
        for (int i = 0; i < lo.length; i++) {
            lo[i] = ranges.get(i)[0];
            hi[i] = ranges.get(i)[1];
        }
        return new CharClass(lo, hi);
    }

    @Override
    public boolean test(int cp) {
        if (cp >= 128 && Unicode.isWhitespace(cp)) return false;
        int a = 0, b = lo.length - 1;
        while (a <= b) {
            int m = (a + b) >>> 1;
            if (cp < lo[m]) b = m - 1;
            else if (cp > hi[m]) a = m + 1;
            else return true;
        }
        return false;
    }
}
