package dev.quanta.loader.tokenizer;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/**
 * The Unicode facts the tokenizers need, with llama.cpp's conventions (src/unicode.cpp):
 * general categories folded into L, N, P, S, M, Z, C; {@code \s} is the White_Space property;
 * and the GPT-2 byte-to-character alphabet of byte-level BPE.
 *
 * <p>Categories come from {@link Character#getType}. Java 25 knows Unicode 16.0; the llama.cpp
 * snapshot we follow was generated from Unicode 15.1, so the 5,185 code points first assigned in
 * 16.0 (new scripts, mostly letters) are classified here by their 16.0 category where llama.cpp
 * treats them as unassigned. Every other code point agrees (checked against its tables).
 *
 * <p>The pre-tokenizer regexes that llama.cpp runs through {@code std::regex} see a "collapsed"
 * text in which every non-ASCII code point stands for its category; for ASCII they use fixed
 * sets ({@link #isPunctCollapsed}, {@link #isSymbolCollapsed}: note that '~' is in neither).
 * The predicates named {@code ...Collapsed} follow those rules exactly.
 */
final class Unicode {
    private Unicode() {}

    static final int CAT_UNDEFINED = 0, CAT_N = 1, CAT_L = 2, CAT_Z = 3, CAT_M = 4, CAT_P = 5, CAT_S = 6, CAT_C = 7;

    private static final byte[] ASCII_CAT = new byte[128];

    static {
        for (int c = 0; c < 128; c++) ASCII_CAT[c] = (byte) categoryOf(c);
    }

    /** The folded general category of a code point (one of the CAT_ constants). */
    static int category(int cp) {
        if (cp < 128 && cp >= 0) return ASCII_CAT[cp];
        return categoryOf(cp);
    }

    private static int categoryOf(int cp) {
        if (cp < 0 || cp > Character.MAX_CODE_POINT) return CAT_UNDEFINED;
        return switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> CAT_N;
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> CAT_L;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> CAT_Z;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> CAT_M;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> CAT_P;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> CAT_S;
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE -> CAT_C;
            default -> CAT_UNDEFINED;
        };
    }

    /** {@code \s}: the Unicode White_Space property (what llama.cpp's tables and regexes use). */
    static boolean isWhitespace(int cp) {
        if (cp < 128) return cp == ' ' || (cp >= 9 && cp <= 13);
        return switch (cp) {
            case 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    static boolean isLetter(int cp) {
        if (cp < 128) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
        return category(cp) == CAT_L;
    }

    static boolean isNumber(int cp) {
        if (cp < 128) return cp >= '0' && cp <= '9';
        return category(cp) == CAT_N;
    }

    static boolean isMark(int cp) {
        return cp >= 128 && category(cp) == CAT_M;
    }

    /** {@code \p{P}} as llama.cpp's collapsed regexes see it (non-ASCII whitespace is never P). */
    static boolean isPunctCollapsed(int cp) {
        if (cp < 128) {
            return (cp >= '!' && cp <= '#') || (cp >= '%' && cp <= '*') || (cp >= ',' && cp <= '/') || cp == ':' || cp == ';'
                    || cp == '?' || cp == '@' || (cp >= '[' && cp <= ']') || cp == '_' || cp == '{' || cp == '}';
        }
        return !isWhitespace(cp) && category(cp) == CAT_P;
    }

    /** {@code \p{S}} as llama.cpp's collapsed regexes see it: ASCII $ + < = > ^ ` | (not ~). */
    static boolean isSymbolCollapsed(int cp) {
        if (cp < 128) return cp == '$' || cp == '+' || (cp >= '<' && cp <= '>') || cp == '^' || cp == '`' || cp == '|';
        return !isWhitespace(cp) && category(cp) == CAT_S;
    }

    /** Not {@code \s}, not {@code \p{L}}, not {@code \p{N}}: the "other" class of the GPT-2 family regexes. */
    static boolean isOther(int cp) {
        return !isWhitespace(cp) && !isLetter(cp) && !isNumber(cp);
    }

    static boolean isControl(int cp) {
        return category(cp) == CAT_C;
    }

    static int toLower(int cp) {
        return Character.toLowerCase(cp);
    }

    /** The first code point of the canonical decomposition (llama.cpp's "NFD" map strips accents this way). */
    static int nfdFirst(int cp) {
        if (cp < 0xC0) return cp;
        if (cp >= 0xD800 && cp <= 0xDFFF) return cp;
        String s = Normalizer.normalize(new String(Character.toChars(cp)), Normalizer.Form.NFD);
        return s.codePointAt(0);
    }

    // ---- GPT-2 byte-level alphabet -------------------------------------------------------

    private static final int[] BYTE_TO_CP = new int[256];
    private static final int[] CP_TO_BYTE = new int[324];

    static {
        java.util.Arrays.fill(CP_TO_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CP[b] = printable ? b : 256 + n++;
            CP_TO_BYTE[BYTE_TO_CP[b]] = b;
        }
    }

    /** The character that stands for byte {@code b} in a byte-level BPE vocabulary. */
    static int byteToCodepoint(int b) {
        return BYTE_TO_CP[b & 0xFF];
    }

    /** The byte a GPT-2 alphabet character stands for, or -1 when it is not in the alphabet. */
    static int codepointToByte(int cp) {
        return cp >= 0 && cp < CP_TO_BYTE.length ? CP_TO_BYTE[cp] : -1;
    }

    /** Maps raw bytes to the GPT-2 alphabet string. */
    static String bytesToGpt2(byte[] bytes, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        for (int i = from; i < to; i++) sb.appendCodePoint(BYTE_TO_CP[bytes[i] & 0xFF]);
        return sb.toString();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Code points of a string (unpaired surrogates become U+FFFD, as invalid UTF-8 does in llama.cpp). */
    static int[] codepoints(String s) {
        int[] out = new int[s.length()];
        int n = 0;
        for (int i = 0; i < s.length(); ) {
            char ch = s.charAt(i);
            if (Character.isHighSurrogate(ch) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                out[n++] = Character.toCodePoint(ch, s.charAt(i + 1));
                i += 2;
            } else {
                out[n++] = Character.isSurrogate(ch) ? 0xFFFD : ch;
                i++;
            }
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /** Appends the UTF-8 encoding of {@code cp} to {@code out} at {@code pos}; returns the new position. */
    static int putUtf8(byte[] out, int pos, int cp) {
        if (cp < 0x80) {
            out[pos++] = (byte) cp;
        } else if (cp < 0x800) {
            out[pos++] = (byte) (0xC0 | (cp >> 6));
            out[pos++] = (byte) (0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[pos++] = (byte) (0xE0 | (cp >> 12));
            out[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            out[pos++] = (byte) (0x80 | (cp & 0x3F));
        } else {
            out[pos++] = (byte) (0xF0 | (cp >> 18));
            out[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
            out[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            out[pos++] = (byte) (0x80 | (cp & 0x3F));
        }
        return pos;
    }

    /** Length of a UTF-8 sequence from its lead byte, as llama.cpp's unicode_len_utf8 (continuation bytes count 1). */
    static int utf8Len(byte lead) {
        int hi = (lead & 0xFF) >> 4;
        return hi < 12 ? 1 : hi < 14 ? 2 : hi == 14 ? 3 : 4;
    }
}
