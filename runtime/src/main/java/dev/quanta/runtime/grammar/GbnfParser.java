package dev.quanta.runtime.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses GBNF text (llama.cpp's grammar format) into a small syntax tree.
 *
 * <pre>
 * rule        ::= name "::=" alternates  (ends at a newline, except inside parentheses or after "|")
 * alternates  ::= sequence ("|" sequence)*
 * sequence    ::= (element repetition*)*
 * element     ::= "string" | [class] | [^class] | . | name | ( alternates )
 * repetition  ::= * | + | ? | {m} | {m,} | {m,n} | {,n}
 * </pre>
 * Comments run from {@code #} to the end of the line. Escapes in strings and classes:
 * {@code \xHH \\uHHHH \UHHHHHHHH \t \r \n \\ \" \[ \] \- \^ \/}. A line starting with {@code |}
 * continues the previous rule's alternation (an extension: llama.cpp needs parentheses for that).
 */
final class GbnfParser {
    /** Syntax tree nodes; offsets point into the source for error messages. */
    sealed interface Node permits Lit, Cls, Ref, Group, Rep {}
    record Lit(int[] codePoints) implements Node {}
    /** A character class: code point ranges as pairs (lo, hi), already negated if written [^...]. */
    record Cls(int[] ranges) implements Node {}
    record Ref(String name, int offset) implements Node {}
    record Group(List<List<Node>> alternates) implements Node {}
    record Rep(Node node, int min, int max, int offset) implements Node {} // max -1 = unbounded
    record RuleDef(String name, List<List<Node>> alternates, int offset) {}

    static final int MAX_REPEAT = 100_000;

    private final String src;
    private int pos;

    private GbnfParser(String src) {
        this.src = src;
    }

    static List<RuleDef> parse(String src) {
        return new GbnfParser(src).parseGrammar();
    }

    private GrammarException error(int at, String what) {
        return GrammarException.at(src, at, what);
    }

    private int peek() {
        return pos < src.length() ? src.codePointAt(pos) : -1;
    }

    private List<RuleDef> parseGrammar() {
        List<RuleDef> rules = new ArrayList<>();
        skipSpace(true);
        while (pos < src.length()) {
            rules.add(parseRule());
            skipSpace(true);
        }
        return rules;
    }

    private static boolean isNameChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    private String parseName() {
        int start = pos;
        while (pos < src.length() && isNameChar(src.charAt(pos))) pos++;
        return src.substring(start, pos);
    }

    private void skipSpace(boolean newlineOk) {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == ' ' || c == '\t') pos++;
            else if (c == '#') { while (pos < src.length() && src.charAt(pos) != '\n' && src.charAt(pos) != '\r') pos++; }
            else if (newlineOk && (c == '\n' || c == '\r')) pos++;
            else break;
        }
    }

    private RuleDef parseRule() {
        int start = pos;
        String name = parseName();
        if (name.isEmpty()) throw error(pos, "expected a rule name, found " + describe(peek()));
        skipSpace(false);
        if (!src.startsWith("::=", pos)) throw error(pos, "expected '::=' after rule name '" + name + "', found " + describe(peek()));
        pos += 3;
        skipSpace(true);
        List<List<Node>> alts = parseAlternates(false);
        if (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == '\r' || c == '\n') pos++;
            else if (c == ')') throw error(pos, "unmatched ')' in rule '" + name + "'");
            else throw error(pos, "unexpected " + describe(c) + " in rule '" + name + "'");
        }
        return new RuleDef(name, alts, start);
    }

    private List<List<Node>> parseAlternates(boolean nested) {
        List<List<Node>> alts = new ArrayList<>();
        alts.add(parseSequence(nested));
        while (true) {
            if (peek() == '|') {
                pos++;
                skipSpace(true);
                alts.add(parseSequence(nested));
                continue;
            }
            if (!nested) { // extension: "|" at the start of a following line continues the rule
                int save = pos;
                skipSpace(true);
                if (peek() == '|') continue;
                pos = save;
            }
            return alts;
        }
    }

    private List<Node> parseSequence(boolean nested) {
        List<Node> items = new ArrayList<>();
        while (true) {
            int c = peek();
            int at = pos;
            if (c == '"') {
                items.add(parseLiteral());
            } else if (c == '[') {
                items.add(parseClass());
            } else if (c == '.') {
                pos++;
                items.add(new Cls(new int[] {0, Utf8Ranges.MAX_CP}));
            } else if (c >= 0 && isNameChar(c)) {
                String name = parseName();
                items.add(new Ref(name, at));
            } else if (c == '(') {
                pos++;
                skipSpace(true);
                List<List<Node>> alts = parseAlternates(true);
                if (peek() != ')') throw error(pos, "expected ')' to close the group opened at " + where(at) + ", found " + describe(peek()));
                pos++;
                items.add(new Group(alts));
            } else if (c == '*' || c == '+' || c == '?' || c == '{') {
                throw error(pos, "repetition operator '" + (char) c + "' has nothing before it to repeat");
            } else {
                return items;
            }
            skipSpace(nested);
            while (true) {
                c = peek();
                int opAt = pos;
                Node last = items.getLast();
                if (c == '*') { pos++; items.set(items.size() - 1, new Rep(last, 0, -1, opAt)); }
                else if (c == '+') { pos++; items.set(items.size() - 1, new Rep(last, 1, -1, opAt)); }
                else if (c == '?') { pos++; items.set(items.size() - 1, new Rep(last, 0, 1, opAt)); }
                else if (c == '{') { items.set(items.size() - 1, parseBraces(last)); }
                else break;
                skipSpace(nested);
            }
        }
    }

    private Rep parseBraces(Node last) {
        int at = pos;
        pos++; // {
        skipSpace(false);
        int min = 0, max;
        boolean hasMin = false;
        if (peek() >= '0' && peek() <= '9') { min = parseInt(); hasMin = true; }
        skipSpace(false);
        if (peek() == ',') {
            pos++;
            skipSpace(false);
            if (peek() >= '0' && peek() <= '9') max = parseInt();
            else max = -1;
            if (!hasMin && max == -1) throw error(at, "repetition '{,}' needs a number");
        } else {
            if (!hasMin) throw error(pos, "expected a number in repetition braces, found " + describe(peek()));
            max = min;
        }
        skipSpace(false);
        if (peek() != '}') throw error(pos, "expected '}' to close the repetition, found " + describe(peek()));
        pos++;
        if (max != -1 && max < min) throw error(at, "repetition {" + min + "," + max + "} has max below min");
        return new Rep(last, min, max, at);
    }

    private int parseInt() {
        int start = pos;
        long v = 0;
        while (peek() >= '0' && peek() <= '9') {
            v = v * 10 + (src.charAt(pos) - '0');
            pos++;
            if (v > MAX_REPEAT) throw error(start, "repetition count above " + MAX_REPEAT);
        }
        return (int) v;
    }

    private Lit parseLiteral() {
        int at = pos;
        pos++; // "
        List<Integer> cps = new ArrayList<>();
        while (true) {
            int c = peek();
            if (c == -1 || c == '\n' || c == '\r') throw error(at, "unterminated string literal");
            if (c == '"') { pos++; break; }
            cps.add(parseChar());
        }
        return new Lit(cps.stream().mapToInt(Integer::intValue).toArray());
    }

    private Cls parseClass() {
        int at = pos;
        pos++; // [
        boolean negated = false;
        if (peek() == '^') { negated = true; pos++; }
        List<Integer> ranges = new ArrayList<>();
        while (true) {
            int c = peek();
            if (c == -1 || c == '\n' || c == '\r') throw error(at, "unterminated character class");
            if (c == ']') { pos++; break; }
            int cAt = pos;
            int lo = parseChar();
            int hi = lo;
            if (peek() == '-' && pos + 1 < src.length() && src.charAt(pos + 1) != ']') {
                pos++;
                if (peek() == -1 || peek() == '\n') throw error(at, "unterminated character class");
                hi = parseChar();
                if (hi < lo) throw error(cAt, "character range " + describe(lo) + "-" + describe(hi) + " is reversed");
            }
            ranges.add(lo);
            ranges.add(hi);
        }
        int[] r = ranges.stream().mapToInt(Integer::intValue).toArray();
        return new Cls(negated ? Utf8Ranges.complement(r) : Utf8Ranges.normalize(r));
    }

    private int parseChar() {
        int c = peek();
        int at = pos;
        pos += Character.charCount(c);
        if (c != '\\') return c;
        int e = peek();
        if (e == -1) throw error(at, "escape at end of input");
        pos += Character.charCount(e);
        return switch (e) {
            case 'x' -> parseHex(at, 2);
            case 'u' -> parseHex(at, 4);
            case 'U' -> parseHex(at, 8);
            case 't' -> '\t';
            case 'r' -> '\r';
            case 'n' -> '\n';
            case '0' -> 0;
            case '\\', '"', '[', ']', '-', '^', '/', '\'' -> e;
            default -> throw error(at, "unknown escape '\\" + new String(Character.toChars(e)) + "'");
        };
    }

    private int parseHex(int at, int digits) {
        int v = 0;
        for (int i = 0; i < digits; i++) {
            int d = pos < src.length() ? Character.digit(src.charAt(pos), 16) : -1;
            if (d < 0) throw error(at, "escape needs " + digits + " hex digits");
            v = v * 16 + d;
            pos++;
        }
        if (v > Utf8Ranges.MAX_CP || v < 0) throw error(at, "code point above U+10FFFF");
        return v;
    }

    private String where(int offset) {
        String m = GrammarException.at(src, offset, "").getMessage();
        return m.substring(0, m.length() - 2);
    }

    private static String describe(int c) {
        if (c == -1) return "end of input";
        if (c == '\n' || c == '\r') return "end of line";
        if (c < 0x20 || c == 0x7F) return String.format("U+%04X", c);
        return "'" + new String(Character.toChars(c)) + "'";
    }
}
