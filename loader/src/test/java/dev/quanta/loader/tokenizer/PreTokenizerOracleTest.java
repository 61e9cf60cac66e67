package dev.quanta.loader.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quanta.kernels.testing.TestData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The hand-written pre-tokenizer scanners against an oracle that does what llama.cpp's
 * unicode_regex_split does with std::regex: llama.cpp's own regex list per family, run in order
 * over the "collapsed" text (every non-ASCII code point replaced by a stand-in for its category,
 * non-ASCII whitespace by U+000B), each regex re-splitting the pieces of the previous one.
 * java.util.regex and ECMAScript agree on these constructs ({@code $} becomes {@code \z}).
 */
class PreTokenizerOracleTest {
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String SEED = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String TEKKEN = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String C = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
    static final String GPT4O = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+" + C + "?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*" + C + "?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String CJK = "[一-龥ࠀ-一가-퟿]+";

    static final Object[][] FAMILIES = {
            {"default", new String[] {"[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]"}},
            {"falcon", new String[] {"[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]"}},
            {"starcoder", new String[] {"\\p{N}", GPT2}},
            {"gpt-2", new String[] {GPT2}},
            {"llama-bpe", new String[] {LLAMA3}},
            {"qwen2", new String[] {QWEN2}},
            {"seed-coder", new String[] {SEED}},
            {"tekken", new String[] {TEKKEN}},
            {"gpt-4o", new String[] {GPT4O}},
            {"deepseek-llm", new String[] {"[\r\n]",
                    "\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A\uD801\uDC00-\uD801\uDC4F\uD801\uDCB0-\uD801\uDCD3\uD801\uDCD8-\uD801\uDCFB\uD803\uDC80-\uD803\uDCB2\uD803\uDCC0-\uD803\uDCF2\uD806\uDCA0-\uD806\uDCDF\uD83A\uDD00-\uD83A\uDD43]+",
                    "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+$", CJK, "\\p{N}+"}},
            {"deepseek-coder", new String[] {"[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", CJK, "\\p{N}"}},
            {"deepseek-v3", new String[] {"\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+",
                    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"}},
            {"bloom", new String[] {" ?[^(\\s|.,!?…。，、।۔،)]+"}},
            {"viking", new String[] {" ?[^(\\s|.,!?…。，、।۔،)]+", "\\p{N}"}},
    };

    static final String[] ALPHABET = {"a", "b", "s", "t", "e", "l", "r", "v", "m", "d", "S", "T", "L", "R", "E", "B", "Q", "é", "Ж", "ж", "ß",
            "1", "2", "7", "٣", "½", " ", " ", " ", "  ", "\t", "\n", "\r", "'", "'", ".", ",", "!", "?", "~", "$", "+", "`", "(", ")", "|", "/",
            "-", "_", "…", "。", "，", "一", "中", "가", "あ", "ア", "\u00A0", "\u3000", "\u2003", "\u0301", "😀", "\u200d", "\u0085",
            "ſ", "¡", "€", "\u0007", "Ａ", "ｚ", "µ", "！", "‘", "\u1FD3", "\u212A", "\uD801\uDC00"};

    /** llama.cpp's category stand-ins in the collapsed text. */
    static char collapse(int cp) {
        if (cp < 128) return (char) cp;
        if (Unicode.isWhitespace(cp)) return 0x0B;
        return switch (Unicode.category(cp)) {
            case Unicode.CAT_N -> 0xD1;
            case Unicode.CAT_L -> 0xD2;
            case Unicode.CAT_P -> 0xD3;
            case Unicode.CAT_M -> 0xD4;
            case Unicode.CAT_S -> 0xD5;
            default -> 0xD0;
        };
    }

    static String collapseRegex(String re) {
        String[][] cats = {{"\\p{N}", "\u00D10-9"}, {"\\p{L}", "\u00D2A-Za-z"}, {"\\p{P}", "\u00D3!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"},
                {"\\p{M}", "\u00D4"}, {"\\p{S}", "\u00D5\\$\\+<->\\^`\\|"}};
        StringBuilder sb = new StringBuilder();
        boolean inside = false;
        for (int i = 0; i < re.length(); i++) {
            char ch = re.charAt(i);
            if (ch == '[' && (i == 0 || re.charAt(i - 1) != '\\')) {
                inside = true;
                sb.append(ch);
                continue;
            }
            if (inside && ch == ']' && re.charAt(i - 1) != '\\') {
                inside = false;
                sb.append(ch);
                continue;
            }
            boolean done = false;
            for (String[] c : cats) {
                if (re.startsWith(c[0], i)) {
                    sb.append(inside ? c[1] : "[" + c[1] + "]");
                    i += 4;
                    done = true;
                    break;
                }
            }
            if (!done) sb.append(ch);
        }
        return sb.toString();
    }

    static List<String> oracle(String text, String[] regexes) {
        int[] cps = Unicode.codepoints(text);
        List<int[]> pieces = new ArrayList<>();
        pieces.add(new int[] {0, cps.length});
        for (String re : regexes) {
            boolean collapsed = re.contains("\\p{");
            // one char per code point where possible; astral code points stay surrogate pairs
            // (wide mode) and match positions are mapped back to code point indices
            StringBuilder t = new StringBuilder();
            int[] charAt = new int[cps.length + 1];
            for (int i = 0; i < cps.length; i++) {
                charAt[i] = t.length();
                int cp = cps[i];
                if (collapsed) t.append(collapse(cp));
                else t.appendCodePoint(cp > 0x7F && Unicode.isWhitespace(cp) ? 0x0B : cp);
            }
            charAt[cps.length] = t.length();
            String jre = collapsed ? collapseRegex(re) : re;
            if (jre.endsWith("+$")) jre = jre.substring(0, jre.length() - 1) + "\\z"; // ECMAScript $ = end of input only
            Pattern p = Pattern.compile(jre);
            List<int[]> next = new ArrayList<>();
            for (int[] pc : pieces) {
                Matcher m = p.matcher(t).region(charAt[pc[0]], charAt[pc[1]]);
                int last = pc[0];
                while (m.find()) {
                    int ms = Arrays.binarySearch(charAt, m.start()), me = Arrays.binarySearch(charAt, m.end());
                    if (ms > last) next.add(new int[] {last, ms});
                    next.add(new int[] {ms, me});
                    last = me;
                }
                if (last < pc[1]) next.add(new int[] {last, pc[1]});
            }
            pieces = next;
        }
        List<String> words = new ArrayList<>();
        for (int[] pc : pieces) words.add(new String(cps, pc[0], pc[1] - pc[0]));
        return words;
    }

    static List<String> scanners(String text, PreTokenizer pre) {
        int[] cps = Unicode.codepoints(text);
        PreTokenizer.Bounds b = pre.split(cps, 0, cps.length);
        List<String> words = new ArrayList<>();
        for (int k = 0; k + 1 < b.n; k++) words.add(new String(cps, b.a[k], b.a[k + 1] - b.a[k]));
        return words;
    }

    @Test
    void scannersAgreeWithLlamaCppRegexes() {
        Random rnd = new Random(TestData.seed("PreTokenizerOracleTest", 20250301L));
        for (Object[] fam : FAMILIES) {
            PreTokenizer pre = PreTokenizer.forPre((String) fam[0]);
            for (int iter = 0; iter < 3000; iter++) {
                StringBuilder sb = new StringBuilder();
                int len = 1 + rnd.nextInt(14);
                for (int i = 0; i < len; i++) sb.append(ALPHABET[rnd.nextInt(ALPHABET.length)]);
                String s = sb.toString();
                List<String> want = oracle(s, (String[]) fam[1]);
                List<String> got = scanners(s, pre);
                assertEquals(want, got, () -> fam[0] + " on " + VocabConformanceTest.quote(s));
            }
        }
    }

    @Test
    void longRunsAreLinear() {
        // 200k letters, digits, spaces: no backtracking blow-up, no stack overflow
        String s = "A".repeat(100_000) + " ".repeat(50_000) + "x" + "9".repeat(50_000);
        for (String p : PreTokenizer.knownPreValues()) {
            PreTokenizer pre = PreTokenizer.forPre(p);
            int[] cps = Unicode.codepoints(s);
            PreTokenizer.Bounds b = pre.split(cps, 0, cps.length);
            assertEquals(cps.length, b.a[b.n - 1], p);
        }
    }
}
