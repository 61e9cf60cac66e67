package dev.quanta.runtime.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * Translates a JSON Schema {@code pattern} (an ECMA-262 regex subset) into a GBNF expression over
 * the JSON-encoded content of a string (between the quotes). Supported: literals and escapes,
 * {@code .}, classes {@code [...]}/{@code [^...]} with ranges, {@code \d \w \s \D \W \S},
 * groups {@code (...)} and {@code (?:...)}, alternation, quantifiers {@code * + ? {m} {m,} {m,n}}
 * (lazy forms are treated as greedy), and {@code ^}/{@code $} at the ends; an unanchored side
 * matches any characters there, as JSON Schema specifies. Not supported (a clear error):
 * backreferences, lookaround, named groups, word boundaries, anchors in the middle.
 * Characters that must be escaped in JSON ({@code "}, {@code \}, control characters) are
 * generated in their escaped form; control characters other than \n \r \t are never generated.
 */
final class RegexToGbnf {
    private static final java.util.regex.Pattern BRACES = java.util.regex.Pattern.compile("\\{\\d+(,\\d*)?\\}");
    private final String re;
    private int pos;

    private RegexToGbnf(String re) {
        this.re = re;
    }

    /** The GBNF expression; {@code anyChar} is the rule name of one JSON string character. */
    static String translate(String pattern, String anyChar) {
        String p = pattern;
        boolean start = p.startsWith("^");
        if (start) p = p.substring(1);
        boolean end = p.endsWith("$") && !p.endsWith("\\$");
        if (end) p = p.substring(0, p.length() - 1);
        RegexToGbnf t = new RegexToGbnf(p);
        String body = t.alternation();
        if (t.pos < p.length()) throw t.error("unexpected '" + p.charAt(t.pos) + "'");
        return (start ? "" : anyChar + "* ") + "(" + body + ")" + (end ? "" : " " + anyChar + "*");
    }

    private GrammarException error(String what) {
        return new GrammarException("pattern /" + re + "/ at offset " + pos + ": " + what);
    }

    private boolean more() {
        return pos < re.length();
    }

    private String alternation() {
        List<String> alts = new ArrayList<>();
        alts.add(sequence());
        while (more() && re.charAt(pos) == '|') {
            pos++;
            alts.add(sequence());
        }
        return alts.size() == 1 ? alts.getFirst() : "(" + String.join(" | ", alts) + ")";
    }

    private String sequence() {
        StringBuilder sb = new StringBuilder();
        while (more() && re.charAt(pos) != '|' && re.charAt(pos) != ')') {
            String atom = atom();
            atom = quantified(atom);
            if (!sb.isEmpty()) sb.append(' ');
            sb.append(atom);
        }
        return sb.isEmpty() ? "\"\"" : sb.toString();
    }

    private String quantified(String atom) {
        if (!more()) return atom;
        char c = re.charAt(pos);
        String q;
        if (c == '*' || c == '+' || c == '?') { pos++; q = String.valueOf(c); }
        else if (c == '{' && BRACES.matcher(re).region(pos, re.length()).lookingAt()) {
            java.util.regex.Matcher m = BRACES.matcher(re).region(pos, re.length());
            m.lookingAt();
            q = m.group();
            pos = m.end();
        } else return atom;
        if (more() && (re.charAt(pos) == '?' || re.charAt(pos) == '+')) pos++; // lazy/possessive: same language
        if (more() && "*+?{".indexOf(re.charAt(pos)) >= 0 && re.charAt(pos) != '{') throw error("nested quantifier");
        return "(" + atom + ")" + q;
    }

    private String atom() {
        char c = re.charAt(pos);
        switch (c) {
            case '(' -> {
                pos++;
                if (re.startsWith("?:", pos)) pos += 2;
                else if (more() && re.charAt(pos) == '?') throw error("lookaround and named groups are not supported");
                String inner = alternation();
                if (!more() || re.charAt(pos) != ')') throw error("missing ')'");
                pos++;
                return "(" + inner + ")";
            }
            case '[' -> { return classAtom(); }
            case '.' -> { pos++; return jsonClass(Utf8Ranges.complement(new int[] {'\n', '\n', '\r', '\r'})); }
            case '\\' -> {
                pos++;
                if (!more()) throw error("escape at end");
                char e = re.charAt(pos++);
                int[] cls = classEscape(e);
                if (cls != null) return jsonClass(cls);
                if (e == 'b' || e == 'B') throw error("word boundaries are not supported");
                if (e >= '1' && e <= '9') throw error("backreferences are not supported");
                return jsonChar(escapedChar(e));
            }
            case '^', '$' -> throw error("anchors are only supported at the start and end of the pattern");
            case '*', '+', '?' -> throw error("quantifier '" + c + "' has nothing to repeat");
            default -> {
                int cp = re.codePointAt(pos);
                pos += Character.charCount(cp);
                return jsonChar(cp);
            }
        }
    }

    private int escapedChar(char e) {
        switch (e) {
            case 'n': return '\n';
            case 't': return '\t';
            case 'r': return '\r';
            case 'f': return '\f';
            case 'v': return 0x0B;
            case '0': return 0;
            case 'x': return hex(2);
            case 'u': return hex(4);
            default:
                if (Character.isLetterOrDigit(e)) throw error("unknown escape '\\" + e + "'");
                return e;
        }
    }

    private int hex(int n) {
        if (pos + n > re.length()) throw error("short hex escape");
        try {
            int v = Integer.parseInt(re.substring(pos, pos + n), 16);
            pos += n;
            return v;
        } catch (NumberFormatException ex) {
            throw error("bad hex escape");
        }
    }

    private static final int[] DIGIT = {'0', '9'};
    private static final int[] WORD = {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'};
    private static final int[] SPACE = {'\t', '\r', ' ', ' ', 0xA0, 0xA0, 0x2028, 0x2029, 0xFEFF, 0xFEFF};

    private static int[] classEscape(char e) {
        return switch (e) {
            case 'd' -> DIGIT;
            case 'w' -> WORD;
            case 's' -> SPACE;
            case 'D' -> Utf8Ranges.complement(DIGIT);
            case 'W' -> Utf8Ranges.complement(WORD);
            case 'S' -> Utf8Ranges.complement(SPACE);
            default -> null;
        };
    }

    private String classAtom() {
        pos++; // [
        boolean neg = false;
        if (more() && re.charAt(pos) == '^') { neg = true; pos++; }
        List<Integer> r = new ArrayList<>();
        boolean first = true;
        while (true) {
            if (!more()) throw error("unterminated character class");
            char c = re.charAt(pos);
            if (c == ']' && !first) { pos++; break; }
            first = false;
            int lo;
            if (c == '\\') {
                pos++;
                if (!more()) throw error("escape at end");
                char e = re.charAt(pos++);
                int[] cls = classEscape(e);
                if (cls != null) { for (int x : cls) r.add(x); continue; }
                lo = e == 'b' ? 8 : escapedChar(e);
            } else {
                lo = re.codePointAt(pos);
                pos += Character.charCount(lo);
            }
            int hi = lo;
            if (pos + 1 < re.length() && re.charAt(pos) == '-' && re.charAt(pos + 1) != ']') {
                pos++;
                if (re.charAt(pos) == '\\') {
                    pos++;
                    hi = escapedChar(re.charAt(pos++));
                } else {
                    hi = re.codePointAt(pos);
                    pos += Character.charCount(hi);
                }
                if (hi < lo) throw error("reversed range in class");
            }
            r.add(lo);
            r.add(hi);
        }
        int[] ranges = r.stream().mapToInt(Integer::intValue).toArray();
        return jsonClass(neg ? Utf8Ranges.complement(ranges) : Utf8Ranges.normalize(ranges));
    }

    /** One JSON-encoded character from a code point set. */
    private String jsonClass(int[] ranges) {
        ranges = Utf8Ranges.normalize(ranges);
        List<String> alts = new ArrayList<>();
        int[] plain = subtract(ranges, new int[] {0, 0x1F, '"', '"', '\\', '\\', 0x7F, 0x7F});
        if (plain.length > 0) alts.add(gbnfClass(plain));
        for (int special : new int[] {'"', '\\', '\n', '\t', '\r'}) {
            if (contains(ranges, special)) alts.add(jsonChar(special));
        }
        if (alts.isEmpty()) throw error("character class matches nothing that can appear in a JSON string");
        return alts.size() == 1 ? alts.getFirst() : "(" + String.join(" | ", alts) + ")";
    }

    private static boolean contains(int[] r, int c) {
        for (int i = 0; i < r.length; i += 2) if (c >= r[i] && c <= r[i + 1]) return true;
        return false;
    }

    private static int[] subtract(int[] a, int[] b) {
        int[] nb = Utf8Ranges.complement(b);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < a.length; i += 2) {
            for (int j = 0; j < nb.length; j += 2) {
                int lo = Math.max(a[i], nb[j]), hi = Math.min(a[i + 1], nb[j + 1]);
                if (lo <= hi) { out.add(lo); out.add(hi); }
            }
        }
        return Utf8Ranges.normalize(out.stream().mapToInt(Integer::intValue).toArray());
    }

    static String gbnfClass(int[] ranges) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < ranges.length; i += 2) {
            sb.append(classChar(ranges[i]));
            if (ranges[i + 1] != ranges[i]) sb.append('-').append(classChar(ranges[i + 1]));
        }
        return sb.append(']').toString();
    }

    private static String classChar(int c) {
        if (c >= 0x20 && c < 0x7F && "[]\\-^\"".indexOf(c) < 0) return String.valueOf((char) c);
        return c <= 0xFFFF ? String.format("\\u%04X", c) : String.format("\\U%08X", c);
    }

    /** A GBNF literal producing the JSON-encoded form of one code point. */
    static String jsonChar(int cp) {
        String json = switch (cp) {
            case '"' -> "\\\"";
            case '\\' -> "\\\\";
            case '\n' -> "\\n";
            case '\t' -> "\\t";
            case '\r' -> "\\r";
            default -> cp < 0x20 || cp == 0x7F ? String.format("\\u%04x", cp) : new String(Character.toChars(cp));
        };
        return JsonSchemaGrammar.gbnfLiteral(json);
    }
}
