package dev.quanta.loader.template.jinja;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits template source into tokens: text between tags, tag delimiters, and the expression
 * tokens inside tags. Whitespace control is applied here, with the settings Hugging Face and
 * llama.cpp use for chat templates: {@code trim_blocks} (the first newline after a block or
 * comment tag is dropped), {@code lstrip_blocks} (spaces and tabs before a block or comment tag
 * at the start of a line are dropped), no trailing newline kept, and the {@code -} / {@code +}
 * markers inside tag delimiters ({@code {%- ... -%}} strips all whitespace on that side).
 */
final class Lexer {
    enum Kind { TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF }

    record Token(Kind kind, String text, Object value, int offset) {
        @Override public String toString() {
            return switch (kind) {
                case EOF -> "end of template";
                case TEXT -> "text";
                case STRING -> "string";
                default -> "'" + text + "'";
            };
        }
    }

    private static final String[] OPS2 = {"//", "**", "==", "!=", "<=", ">="};
    private static final String OPS1 = "+-*/%~<>()[]{},.:|=";

    private final String name;
    private final String src;
    private final int[] lineStarts;
    private final List<Token> out = new ArrayList<>();
    private int pos;
    private boolean lstripNextText;

    Lexer(String name, String source) {
        this.name = name;
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) s = s.substring(0, s.length() - 1); // keep_trailing_newline = false
        this.src = s;
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) == '\n') starts.add(i + 1);
        this.lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    String source() { return src; }

    int line(int offset) {
        int i = Arrays.binarySearch(lineStarts, offset);
        return (i >= 0 ? i : -i - 2) + 1;
    }

    int column(int offset) {
        return offset - lineStarts[line(offset) - 1] + 1;
    }

    JinjaException error(int offset, String detail) {
        return new JinjaException(name, line(offset), column(offset), detail);
    }

    List<Token> tokenize() {
        int n = src.length();
        while (pos < n) {
            int start = nextTagStart(pos);
            String text = src.substring(pos, start < 0 ? n : start);
            int textOffset = pos;
            if (lstripNextText) { text = text.stripLeading(); lstripNextText = false; }
            if (start < 0) {
                addText(text, textOffset);
                break;
            }
            char kind = src.charAt(start + 1);
            char marker = start + 2 < n ? src.charAt(start + 2) : 0;
            if (marker == '-') text = stripTrailingWhitespace(text);
            else if (marker != '+' && kind != '{') text = lstripBlock(text, start);
            addText(text, textOffset);
            pos = start + 2 + (marker == '-' || marker == '+' ? 1 : 0);
            switch (kind) {
                case '#' -> lexComment(start);
                case '{' -> lexTag(start, Kind.VAR_BEGIN, Kind.VAR_END, "}}");
                default -> lexTag(start, Kind.BLOCK_BEGIN, Kind.BLOCK_END, "%}");
            }
        }
        out.add(new Token(Kind.EOF, "", null, n));
        return out;
    }

    private void addText(String text, int offset) {
        if (!text.isEmpty()) out.add(new Token(Kind.TEXT, text, text, offset));
    }

    private int nextTagStart(int from) {
        int i = from;
        while (true) {
            i = src.indexOf('{', i);
            if (i < 0 || i + 1 >= src.length()) return -1;
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
            i++;
        }
    }

    private static String stripTrailingWhitespace(String s) {
        return s.stripTrailing();
    }

    /** lstrip_blocks: drop the spaces/tabs before a tag when only they stand between it and the line start in the source. */
    private String lstripBlock(String text, int tagStart) {
        int i = tagStart;
        while (i > 0 && (src.charAt(i - 1) == ' ' || src.charAt(i - 1) == '\t')) i--;
        if (i > 0 && src.charAt(i - 1) != '\n') return text;
        int strip = Math.min(tagStart - i, text.length());
        return text.substring(0, text.length() - strip);
    }

    private void afterBlockEnd(char marker) {
        if (marker == '-') { lstripNextText = true; return; }
        if (marker != '+' && pos < src.length() && src.charAt(pos) == '\n') pos++; // trim_blocks
    }

    private void lexComment(int start) {
        int end = src.indexOf("#}", pos);
        if (end < 0) throw error(start, "unclosed comment: missing '#}'");
        char marker = end > pos && (src.charAt(end - 1) == '-' || src.charAt(end - 1) == '+') ? src.charAt(end - 1) : 0;
        pos = end + 2;
        afterBlockEnd(marker);
    }

    private void lexTag(int start, Kind begin, Kind endKind, String end) {
        out.add(new Token(begin, src.substring(start, pos), null, start));
        int firstTokenIndex = out.size();
        int depth = 0;
        int n = src.length();
        while (true) {
            while (pos < n && Character.isWhitespace(src.charAt(pos))) pos++;
            if (pos >= n) throw error(start, "unclosed tag: missing '" + end + "'");
            if (depth == 0) {
                char c = src.charAt(pos);
                char marker = 0;
                int at = pos;
                if ((c == '-' || c == '+') && src.startsWith(end, pos + 1)) { marker = c; at = pos + 1; }
                if (src.startsWith(end, at)) {
                    out.add(new Token(endKind, end, null, pos));
                    pos = at + 2;
                    if (endKind == Kind.BLOCK_END) {
                        afterBlockEnd(marker);
                        if (out.size() == firstTokenIndex + 2 && "raw".equals(out.get(firstTokenIndex).text())
                                && out.get(firstTokenIndex).kind() == Kind.NAME) lexRaw(start);
                    } else if (marker == '-') {
                        lstripNextText = true;
                    }
                    return;
                }
            }
            Token t = lexExprToken();
            if (t.kind() == Kind.OP) {
                switch (t.text()) {
                    case "(", "[", "{" -> depth++;
                    case ")", "]", "}" -> { if (depth > 0) depth--; else throw error(t.offset(), "unbalanced '" + t.text() + "'"); }
                    default -> { }
                }
            }
            out.add(t);
        }
    }

    /** After {@code {% raw %}}: everything up to {@code {% endraw %}} is text. */
    private void lexRaw(int start) {
        // drop BLOCK_BEGIN raw BLOCK_END from the stream: the parser sees only the text
        out.remove(out.size() - 1);
        out.remove(out.size() - 1);
        out.remove(out.size() - 1);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{%([-+]?)\\s*endraw\\s*([-+]?)%}").matcher(src);
        if (!m.find(pos)) throw error(start, "missing '{% endraw %}' for this '{% raw %}'");
        String text = src.substring(pos, m.start());
        if (lstripNextText) { text = text.stripLeading(); lstripNextText = false; }
        if (m.group(1).equals("-")) text = text.stripTrailing();
        addText(text, pos);
        pos = m.end();
        afterBlockEnd(m.group(2).isEmpty() ? 0 : m.group(2).charAt(0));
    }

    private Token lexExprToken() {
        int start = pos;
        char c = src.charAt(pos);
        if (Character.isLetter(c) || c == '_') {
            while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
            String w = src.substring(start, pos);
            return new Token(Kind.NAME, w, w, start);
        }
        if (Character.isDigit(c)) return lexNumber(start);
        if (c == '\'' || c == '"') return lexString(start, c);
        for (String op : OPS2) {
            if (src.startsWith(op, pos)) { pos += 2; return new Token(Kind.OP, op, op, start); }
        }
        if (OPS1.indexOf(c) >= 0) { pos++; String op = String.valueOf(c); return new Token(Kind.OP, op, op, start); }
        throw error(start, "unexpected character '" + c + "'");
    }

    private Token lexNumber(int start) {
        int n = src.length();
        while (pos < n && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
        boolean isFloat = false;
        if (pos + 1 < n && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))) {
            isFloat = true;
            pos++;
            while (pos < n && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
        }
        if (pos < n && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int save = pos;
            pos++;
            if (pos < n && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) pos++;
            if (pos < n && Character.isDigit(src.charAt(pos))) {
                isFloat = true;
                while (pos < n && Character.isDigit(src.charAt(pos))) pos++;
            } else {
                pos = save;
            }
        }
        String text = src.substring(start, pos);
        String digits = text.replace("_", "");
        try {
            if (isFloat) return new Token(Kind.FLOAT, text, Double.parseDouble(digits), start);
            return new Token(Kind.INT, text, Long.parseLong(digits), start);
        } catch (NumberFormatException e) {
            throw error(start, "bad number '" + text + "'");
        }
    }

    private Token lexString(int start, char quote) {
        StringBuilder sb = new StringBuilder();
        int n = src.length();
        pos++;
        while (true) {
            if (pos >= n) throw error(start, "unterminated string literal");
            char c = src.charAt(pos++);
            if (c == quote) break;
            if (c != '\\') { sb.append(c); continue; }
            if (pos >= n) throw error(start, "unterminated string literal");
            char e = src.charAt(pos++);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case '0' -> sb.append('\0');
                case '\\', '\'', '"' -> sb.append(e);
                case '\n' -> { }
                case 'x' -> sb.appendCodePoint(hex(start, 2));
                case 'u' -> sb.appendCodePoint(hex(start, 4));
                case 'U' -> sb.appendCodePoint(hex(start, 8));
                default -> sb.append('\\').append(e);
            }
        }
        return new Token(Kind.STRING, src.substring(start, pos), sb.toString(), start);
    }

    private int hex(int start, int digits) {
        if (pos + digits > src.length()) throw error(start, "truncated escape in string literal");
        try {
            int cp = Integer.parseInt(src.substring(pos, pos + digits), 16);
            pos += digits;
            if (!Character.isValidCodePoint(cp)) throw error(start, "bad escape in string literal");
            return cp;
        } catch (NumberFormatException e) {
            throw error(start, "bad escape in string literal");
        }
    }
}
