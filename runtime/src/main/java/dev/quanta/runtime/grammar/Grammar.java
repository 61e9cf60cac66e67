package dev.quanta.runtime.grammar;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * A compiled GBNF grammar (llama.cpp's format; root rule {@code root}). Parse once, then make a
 * {@link GrammarMatcher} per generation. Immutable and thread-safe; the token-mask cache it keeps
 * per {@link GrammarVocabulary} is shared by all matchers of that vocabulary.
 *
 * <p>The compiled form runs on bytes: each rule is a list of alternatives, each alternative a
 * sequence of byte sets and rule references, laid out flat in {@link #code} like llama.cpp's
 * {@code llama_grammar_element} arrays. A matcher state is a set of stacks of positions in it.
 */
public final class Grammar {
    static final int END = -1;
    static final int ALT = -2;

    static int ref(int ruleId) {
        return -3 - ruleId;
    }

    static int refRule(int element) {
        return -3 - element;
    }

    final String source;
    /** Elements: >= 0 a byte set index; {@link #END}, {@link #ALT}; <= -3 a rule reference. */
    final int[] code;
    final int[][] altStarts;
    /** Byte sets, 4 longs (256 bits) each. */
    final long[] sets;
    final String[] ruleNames;
    final int rootRule;
    private final Map<GrammarVocabulary, MaskCache> caches = Collections.synchronizedMap(new WeakHashMap<>());

    Grammar(String source, int[] code, int[][] altStarts, long[] sets, String[] ruleNames, int rootRule) {
        this.source = source;
        this.code = code;
        this.altStarts = altStarts;
        this.sets = sets;
        this.ruleNames = ruleNames;
        this.rootRule = rootRule;
    }

    /**
     * Parses and compiles GBNF text.
     *
     * @throws GrammarException when it is malformed (line and column named), references an
     *     undefined rule, is left-recursive, or accepts nothing
     */
    public static Grammar parse(String gbnf) {
        return GrammarCompiler.compile(gbnf);
    }

    /** A matcher that computes token masks over {@code vocab}. */
    public GrammarMatcher matcher(GrammarVocabulary vocab) {
        MaskCache cache = caches.computeIfAbsent(vocab, v -> new MaskCache(this, v));
        return new GrammarMatcher(this, vocab, cache);
    }

    /** A matcher for strings and bytes only ({@link GrammarMatcher#fillMask} is unavailable). */
    public GrammarMatcher matcher() {
        return new GrammarMatcher(this, null, null);
    }

    /** The GBNF source this grammar was compiled from. */
    public String source() {
        return source;
    }

    /** Number of rules after compilation (user rules plus generated ones). */
    public int ruleCount() {
        return ruleNames.length;
    }

    boolean setContains(int set, int b) {
        return (sets[4 * set + (b >>> 6)] >>> (b & 63) & 1L) != 0;
    }

    /** The compiled rules, one per line, for debugging ({@code <bytes>} sets are shown as ranges). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < ruleNames.length; r++) {
            sb.append(ruleNames[r]).append(" ::=");
            int[] starts = altStarts[r];
            for (int a = 0; a < starts.length; a++) {
                if (a > 0) sb.append(" |");
                for (int p = starts[a]; code[p] != END && code[p] != ALT; p++) {
                    sb.append(' ');
                    if (code[p] >= 0) sb.append(describeSet(code[p]));
                    else sb.append(ruleNames[refRule(code[p])]);
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    String describeSet(int set) {
        StringBuilder sb = new StringBuilder("[");
        for (int b = 0; b < 256; b++) {
            if (!setContains(set, b)) continue;
            int e = b;
            while (e + 1 < 256 && setContains(set, e + 1)) e++;
            sb.append(String.format("\\x%02X", b));
            if (e > b) sb.append(String.format("-\\x%02X", e));
            b = e;
        }
        return sb.append(']').toString();
    }
}
