package dev.quanta.loader.tokenizer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * The pre-tokenizer of a byte-level BPE vocabulary: splits text into the words that BPE merges
 * never cross, as llama.cpp's {@code unicode_regex_split} does for each {@code tokenizer.ggml.pre}.
 *
 * <p>A family is a list of stages, one per regex of llama.cpp's list. Each stage re-splits every
 * piece the previous stage produced: the stretches its pattern matches become pieces, and so do
 * the stretches between matches (nothing is dropped). Patterns are hand-written scanners with the
 * exact leftmost-alternative, greedy-with-backtracking meaning of the regex they stand for, linear
 * in the text (no regex engine, so no catastrophic backtracking or deep recursion).
 */
final class PreTokenizer {

    /** One regex: at {@code pos}, returns the end of its match in {@code c[pos, end)}, or -1. */
    interface Pattern {
        int matchAt(int[] c, int pos, int end);

        /**
         * Splits the piece {@code c[s, e)}: appends to {@code out} the end of every match and of
         * every stretch between matches, as a regex iterator over the piece would find them.
         */
        default void splitPiece(int[] c, int s, int e, Bounds out) {
            int pos = s, gap = s;
            while (pos < e) {
                int m = matchAt(c, pos, e);
                if (m > pos) {
                    if (gap < pos) out.add(pos);
                    out.add(m);
                    pos = gap = m;
                } else {
                    pos++;
                }
            }
            if (gap < e) out.add(e);
        }
    }

    /** A growable list of word boundaries. */
    static final class Bounds {
        int[] a = new int[32];
        int n;

        void add(int v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }
    }

    private final String family;
    private final Pattern[] stages;

    private PreTokenizer(String family, Pattern... stages) {
        this.family = family;
        this.stages = stages;
    }

    String family() {
        return family;
    }

    /** Splits {@code cps[from, to)}; returns the boundaries {@code from = b[0] < b[1] < … < b[n-1] = to}. */
    Bounds split(int[] cps, int from, int to) {
        Bounds cur = new Bounds();
        cur.add(from);
        if (to > from) cur.add(to);
        for (Pattern p : stages) {
            Bounds next = new Bounds();
            next.add(from);
            for (int k = 0; k + 1 < cur.n; k++) p.splitPiece(cps, cur.a[k], cur.a[k + 1], next);
            cur = next;
        }
        return cur;
    }

    // ---- the families ----------------------------------------------------------------------

    private static final Map<String, PreTokenizer> FAMILIES = new LinkedHashMap<>();
    /** tokenizer.ggml.pre value -> family name, as llama.cpp's llama_vocab::impl::load maps them. */
    private static final Map<String, String> PRE_TO_FAMILY = new LinkedHashMap<>();

    static final IntPredicate NL = c -> c == '\r' || c == '\n';

    static {
        Pattern gpt2 = new Gpt2();
        Pattern n1 = run(Unicode::isNumber, Prefix.NONE, 1);
        Pattern nPlus = run(Unicode::isNumber, Prefix.NONE, Integer.MAX_VALUE);
        Pattern threeDigits = (c, p, e) -> p + 3 <= e && isDigit(c[p]) && isDigit(c[p + 1]) && isDigit(c[p + 2]) ? p + 3 : -1;
        Pattern cjk = run(CharClass.of("一-龥ࠀ-一가-퟿"), Prefix.NONE, Integer.MAX_VALUE);
        Pattern nl1 = run(NL, Prefix.NONE, 1);

        family("default", run(c -> Unicode.isPunctCollapsed(c) || "$+<=>^~|".indexOf(c) >= 0, Prefix.NONE, Integer.MAX_VALUE),
                gpt2, nPlus, threeDigits);
        family("falcon", run(c -> Unicode.isPunctCollapsed(c) || "$+<=>^~|`".indexOf(c) >= 0, Prefix.NONE, Integer.MAX_VALUE),
                gpt2, threeDigits);
        family("starcoder", n1, gpt2);
        family("gpt2", gpt2);
        family("llama3", new Llama3Like(Letters.SIMPLE, true, false, 3, "\r\n"));
        family("qwen2", new Llama3Like(Letters.SIMPLE, true, false, 1, "\r\n"));
        family("seed-coder", new Llama3Like(Letters.SIMPLE, true, false, 1, null));
        family("tekken", new Llama3Like(Letters.CASE_SPLIT, false, false, 1, "\r\n/"));
        family("gpt-4o", new Llama3Like(Letters.CASE_SPLIT, false, true, 3, "\r\n/"));
        family("deepseek-llm", nl1,
                run(CharClass.of("A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A\uD801\uDC00-\uD801\uDC4F\uD801\uDCB0-\uD801\uDCD3\uD801\uDCD8-\uD801\uDCFB\uD803\uDC80-\uD803\uDCB2\uD803\uDCC0-\uD803\uDCF2\uD806\uDCA0-\uD806\uDCDF\uD83A\uDD00-\uD83A\uDD43"),
                        Prefix.WHITESPACE, Integer.MAX_VALUE),
                run(CharClass.of("!-/:-~！-／：-～‘-‟　-。"), Prefix.WHITESPACE, Integer.MAX_VALUE),
                new TrailingWhitespace(), cjk, nPlus);
        family("deepseek-coder", nl1, run(Unicode::isLetter, Prefix.WHITESPACE, Integer.MAX_VALUE),
                run(Unicode::isPunctCollapsed, Prefix.WHITESPACE, Integer.MAX_VALUE), cjk, n1);
        family("deepseek-v3", run(Unicode::isNumber, Prefix.NONE, 3),
                run(CharClass.of("一-龥぀-ゟ゠-ヿ"), Prefix.NONE, Integer.MAX_VALUE), new DeepSeek3());
        IntPredicate poroWord = c -> !Unicode.isWhitespace(c) && "(|.,!?…。，、।۔،)".indexOf(c) < 0;
        family("bloom", run(poroWord, Prefix.SPACE, Integer.MAX_VALUE));
        family("viking", run(poroWord, Prefix.SPACE, Integer.MAX_VALUE), n1);

        pre("default", "default");
        pre("llama3", "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "dbrx", "smaug-bpe",
                "chatglm-bpe", "glm4");
        pre("deepseek-llm", "deepseek-llm");
        pre("deepseek-coder", "deepseek-coder");
        pre("deepseek-v3", "deepseek-v3", "hunyuan-dense");
        pre("falcon", "falcon");
        pre("starcoder", "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b");
        pre("gpt2", "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es", "jina-v2-de", "jina-v2-code",
                "roberta-bpe", "a.x-4.0", "mellum", "exaone4", "mpt", "olmo", "jais", "trillion", "granite-docling");
        pre("qwen2", "qwen2", "deepseek-r1-qwen", "kormo", "megrez", "stablelm2", "hunyuan", "grok-2");
        pre("bloom", "poro-chat", "bloom", "gpt3-finnish");
        pre("viking", "viking");
        pre("tekken", "tekken");
        pre("gpt-4o", "gpt-4o", "llama4", "minimax-m2");
        pre("seed-coder", "seed-coder");
    }

    private static void family(String name, Pattern... stages) {
        FAMILIES.put(name, new PreTokenizer(name, stages));
    }

    private static void pre(String family, String... names) {
        for (String n : names) PRE_TO_FAMILY.put(n, family);
    }

    /** The pre-tokenizer llama.cpp selects for a {@code tokenizer.ggml.pre} value, or null if unknown. */
    static PreTokenizer forPre(String pre) {
        String f = PRE_TO_FAMILY.get(pre);
        return f == null ? null : FAMILIES.get(f);
    }

    /** Every {@code tokenizer.ggml.pre} value this class knows, in a stable order. */
    static List<String> knownPreValues() {
        return List.copyOf(PRE_TO_FAMILY.keySet());
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    // ---- patterns --------------------------------------------------------------------------

    enum Prefix { NONE, SPACE, WHITESPACE }

    /** {@code P?C+}, {@code C} or {@code C{1,max}} where P is nothing, a space or {@code \s}. */
    static Pattern run(IntPredicate cls, Prefix prefix, int max) {
        return new Run(cls, prefix, max);
    }

    /**
     * The pattern of {@link #run}. The class is a bit table over the Basic Multilingual Plane
     * (computed once from the predicate), so the scan makes no predicate call per character
     * there; its own {@link #splitPiece} keeps the call to {@link #matchAt} direct.
     */
    static final class Run implements Pattern {
        private final IntPredicate cls;
        private final Prefix prefix;
        private final int max;
        private final long[] bmp = new long[1 << 10];

        Run(IntPredicate cls, Prefix prefix, int max) {
            this.cls = cls;
            this.prefix = prefix;
            this.max = max;
            for (int cp = 0; cp < 0x10000; cp++) if (cls.test(cp)) bmp[cp >>> 6] |= 1L << cp;
        }

        private boolean in(int cp) {
            return cp >= 0 && cp < 0x10000 ? (bmp[cp >>> 6] & (1L << cp)) != 0 : cls.test(cp);
        }

        @Override
        public int matchAt(int[] c, int p, int e) {
            int q = p;
            if (prefix != Prefix.NONE && p + 1 < e && in(c[p + 1])
                    && (prefix == Prefix.SPACE ? c[p] == ' ' : Unicode.isWhitespace(c[p]))) {
                q = p + 1;
            } else if (!in(c[p])) {
                return -1;
            }
            int n = 0;
            while (q < e && n < max && in(c[q])) {
                q++;
                n++;
            }
            return q;
        }

        @Override
        public void splitPiece(int[] c, int s, int e, Bounds out) {
            int pos = s, gap = s;
            while (pos < e) {
                int m = matchAt(c, pos, e);
                if (m > pos) {
                    if (gap < pos) out.add(pos);
                    out.add(m);
                    pos = gap = m;
                } else {
                    pos++;
                }
            }
            if (gap < e) out.add(e);
        }
    }

    /** {@code \s+$}: the whitespace that ends the piece. */
    static final class TrailingWhitespace implements Pattern {
        @Override
        public int matchAt(int[] c, int pos, int end) {
            for (int i = pos; i < end; i++) if (!Unicode.isWhitespace(c[i])) return -1;
            return end;
        }

        @Override
        public void splitPiece(int[] c, int s, int e, Bounds out) {
            int t = e;
            while (t > s && Unicode.isWhitespace(c[t - 1])) t--;
            if (t > s && t < e) out.add(t);
            out.add(e);
        }
    }

    /** Whitespace tail shared by the GPT-2 family: {@code \s*[\r\n]+|\s+(?!\S)|\s+}. */
    static int whitespace(int[] c, int p, int e, boolean newlineRuns) {
        int r = p, lastNl = -1;
        while (r < e && Unicode.isWhitespace(c[r])) {
            if (c[r] == '\r' || c[r] == '\n') lastNl = r;
            r++;
        }
        if (r == p) return -1;
        if (newlineRuns && lastNl >= 0) return lastNl + 1;
        if (r < e && r - p > 1) return r - 1;
        return r;
    }

    /**
     * GPT-2: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)}, with
     * llama.cpp's hand-written reading of it (a lone whitespace before a non-space stands alone).
     */
    static final class Gpt2 implements Pattern {
        @Override
        public int matchAt(int[] c, int p, int e) {
            int cp = c[p];
            if (cp == '\'' && p + 1 < e) {
                int n1 = c[p + 1];
                if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') return p + 2;
                if (p + 2 < e) {
                    int n2 = c[p + 2];
                    if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l')) return p + 3;
                }
            }
            int q = cp == ' ' && p + 1 < e ? p + 1 : p;
            boolean spaceOnly = cp == ' ' && p + 1 >= e;
            if (!spaceOnly) {
                int x = c[q];
                if (Unicode.isLetter(x)) {
                    while (q < e && Unicode.isLetter(c[q])) q++;
                    return q;
                }
                if (Unicode.isNumber(x)) {
                    while (q < e && Unicode.isNumber(c[q])) q++;
                    return q;
                }
                if (Unicode.isOther(x)) {
                    while (q < e && Unicode.isOther(c[q])) q++;
                    return q;
                }
            }
            int w = whitespace(c, p, e, false);
            return w > 0 ? w : p + 1;
        }
    }

    enum Letters { SIMPLE, CASE_SPLIT }

    /**
     * The Llama-3 regex family: {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
     * ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}, and its relatives: Qwen2 (one digit),
     * Seed-Coder (no newline tail after symbols), Tekken and GPT-4o (letters split at case changes
     * as llama.cpp's adapted {@code ((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+}, {@code [\r\n/]*}).
     */
    static final class Llama3Like implements Pattern {
        private final Letters letters;
        private final boolean contractions;
        private final boolean contractionSuffix;
        private final int maxDigits;
        private final String symbolTail;

        Llama3Like(Letters letters, boolean contractions, boolean contractionSuffix, int maxDigits, String symbolTail) {
            this.letters = letters;
            this.contractions = contractions;
            this.contractionSuffix = contractionSuffix;
            this.maxDigits = maxDigits;
            this.symbolTail = symbolTail;
        }

        @Override
        public int matchAt(int[] c, int p, int e) {
            int cp = c[p];
            if (contractions) {
                int m = contraction(c, p, e);
                if (m > 0) return m;
            }
            boolean prefixOk = cp != '\r' && cp != '\n' && !Unicode.isLetter(cp) && !Unicode.isNumber(cp);
            if (letters == Letters.SIMPLE) {
                int q = prefixOk && p + 1 < e && Unicode.isLetter(c[p + 1]) ? p + 1 : p;
                if (Unicode.isLetter(c[q])) {
                    while (q < e && Unicode.isLetter(c[q])) q++;
                    return q;
                }
            } else {
                int m = -1;
                if (prefixOk && p + 1 < e) m = upperThenLower(c, p + 1, e);
                if (m < 0) m = upperThenLower(c, p, e);
                if (m < 0 && prefixOk && p + 1 < e) m = upperRun(c, p + 1, e);
                if (m < 0) m = upperRun(c, p, e);
                if (m >= 0) {
                    if (contractionSuffix) {
                        int s = contraction(c, m, e);
                        if (s > 0) m = s;
                    }
                    return m;
                }
            }
            if (Unicode.isNumber(cp)) {
                int q = p, n = 0;
                while (q < e && n < maxDigits && Unicode.isNumber(c[q])) {
                    q++;
                    n++;
                }
                return q;
            }
            int q = cp == ' ' ? p + 1 : p;
            if (q < e && Unicode.isOther(c[q]) && (symbolTail != null || !NL.test(c[q]))) {
                while (q < e && Unicode.isOther(c[q]) && (symbolTail != null || !NL.test(c[q]))) q++;
                if (symbolTail != null) while (q < e && symbolTail.indexOf(c[q]) >= 0) q++;
                return q;
            }
            return whitespace(c, p, e, true);
        }

        /** {@code '[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]} at p, or -1. */
        static int contraction(int[] c, int p, int e) {
            if (p + 1 >= e || c[p] != '\'') return -1;
            int n1 = asciiLower(c[p + 1]);
            if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') return p + 2;
            if (p + 2 < e) {
                int n2 = asciiLower(c[p + 2]);
                if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l')) return p + 3;
            }
            return -1;
        }

        private static int asciiLower(int c) {
            return c >= 'A' && c <= 'Z' ? c + 32 : c;
        }

        /** A letter that is not a-z (upper-case side). */
        private static boolean isX(int c) {
            return Unicode.isLetter(c) && !(c >= 'a' && c <= 'z');
        }

        /** A letter that is not A-Z (lower-case side). */
        private static boolean isY(int c) {
            return Unicode.isLetter(c) && !(c >= 'A' && c <= 'Z');
        }

        /** {@code X*Y+} at q with X* backtracking: the longest X run whose next char is a Y. */
        private static int upperThenLower(int[] c, int q, int e) {
            int a = q;
            while (a < e && isX(c[a])) a++;
            int k = a;
            while (k >= q && !(k < e && isY(c[k]))) k--;
            if (k < q) return -1;
            int r = k;
            while (r < e && isY(c[r])) r++;
            return r;
        }

        /** {@code X+Y*} at q. */
        private static int upperRun(int[] c, int q, int e) {
            int a = q;
            while (a < e && isX(c[a])) a++;
            if (a == q) return -1;
            while (a < e && isY(c[a])) a++;
            return a;
        }
    }

    /**
     * DeepSeek-V3's third regex: {@code [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|
     * [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}.
     */
    static final class DeepSeek3 implements Pattern {
        private static boolean asciiLetter(int c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        }

        private static boolean asciiPunct(int c) {
            return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
        }

        private static boolean lm(int c) {
            return Unicode.isLetter(c) || Unicode.isMark(c);
        }

        private static boolean ps(int c) {
            return Unicode.isPunctCollapsed(c) || Unicode.isSymbolCollapsed(c);
        }

        @Override
        public int matchAt(int[] c, int p, int e) {
            int cp = c[p];
            if (asciiPunct(cp) && p + 1 < e && asciiLetter(c[p + 1])) {
                int q = p + 1;
                while (q < e && asciiLetter(c[q])) q++;
                return q;
            }
            boolean prefixOk = cp != '\r' && cp != '\n' && !Unicode.isLetter(cp) && !ps(cp);
            int q = prefixOk && p + 1 < e && lm(c[p + 1]) ? p + 1 : p;
            if (lm(c[q])) {
                while (q < e && lm(c[q])) q++;
                return q;
            }
            q = cp == ' ' ? p + 1 : p;
            if (q < e && ps(c[q])) {
                while (q < e && ps(c[q])) q++;
                while (q < e && NL.test(c[q])) q++;
                return q;
            }
            return whitespace(c, p, e, true);
        }
    }
}
