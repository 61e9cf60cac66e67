package dev.quanta.loader.template.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON as chat templates see it: {@link #dump} writes like Python's
 * {@code json.dumps(x, ensure_ascii=False)} (", " and ": " separators, or "," with an indent),
 * which is what Hugging Face's {@code tojson} filter does; {@link #parse} reads JSON text (tool
 * call arguments, tool lists) into maps that keep key order, lists, strings, Long, Double,
 * Boolean and null.
 */
public final class Json {
    private Json() { }

    /** Python {@code json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=sortKeys)}. */
    public static String dump(Object value, Integer indent, boolean sortKeys) {
        StringBuilder sb = new StringBuilder();
        write(sb, Py.fromJava(value), indent == null ? null : " ".repeat(Math.max(0, indent)), sortKeys, 0);
        return sb.toString();
    }

    /** Same, with a string as the indent unit (Python accepts both). */
    static String dump(Object value, String indentUnit, boolean sortKeys) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, indentUnit, sortKeys, 0);
        return sb.toString();
    }

    private static void newline(StringBuilder sb, String unit, int depth) {
        sb.append('\n');
        for (int i = 0; i < depth; i++) sb.append(unit);
    }

    private static void write(StringBuilder sb, Object v, String unit, boolean sortKeys, int depth) {
        if (depth > 1000) throw new Py.EvalError("tojson: value nested too deeply");
        if (v == null) sb.append("null");
        else if (v instanceof Boolean b) sb.append(b ? "true" : "false");
        else if (v instanceof Long l) sb.append(l);
        else if (v instanceof Double d) {
            if (Double.isNaN(d)) sb.append("NaN");
            else if (Double.isInfinite(d)) sb.append(d > 0 ? "Infinity" : "-Infinity");
            else sb.append(Py.floatRepr(d));
        } else if (v instanceof String s) quote(sb, s);
        else if (v instanceof List<?> l) {
            if (l.isEmpty()) { sb.append("[]"); return; }
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) sb.append(unit == null ? ", " : ",");
                if (unit != null) newline(sb, unit, depth + 1);
                write(sb, l.get(i), unit, sortKeys, depth + 1);
            }
            if (unit != null) newline(sb, unit, depth);
            sb.append(']');
        } else if (v instanceof Map<?, ?> m0) {
            if (m0.isEmpty()) { sb.append("{}"); return; }
            Map<String, Object> m = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m0.entrySet()) m.put(keyString(e.getKey()), e.getValue());
            if (sortKeys) m = new TreeMap<>(m);
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> e : m.entrySet()) {
                if (!first) sb.append(unit == null ? ", " : ",");
                first = false;
                if (unit != null) newline(sb, unit, depth + 1);
                quote(sb, e.getKey());
                sb.append(": ");
                write(sb, e.getValue(), unit, sortKeys, depth + 1);
            }
            if (unit != null) newline(sb, unit, depth);
            sb.append('}');
        } else if (v instanceof Py.Namespace ns) {
            write(sb, ns.attrs, unit, sortKeys, depth);
        } else {
            throw new Py.EvalError("Object of type " + Py.typeName(v) + " is not JSON serializable");
        }
    }

    private static String keyString(Object k) {
        if (k instanceof String s) return s;
        if (k == null) return "null";
        if (k instanceof Boolean b) return b ? "true" : "false";
        if (k instanceof Long || k instanceof Double) return Py.str(k);
        throw new Py.EvalError("keys must be str, int, float, bool or None, not " + Py.typeName(k));
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    // ---- parsing -------------------------------------------------------------------------------

    /** Parses JSON text; the error names the offset of the problem. */
    public static Object parse(String text) {
        JsonReader r = new JsonReader(text);
        r.skipWs();
        Object v = r.value(0);
        r.skipWs();
        if (r.pos != text.length()) throw r.error("trailing characters");
        return v;
    }

    private static final class JsonReader {
        final String s;
        int pos;

        JsonReader(String s) { this.s = s; }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("bad JSON at offset " + pos + ": " + what);
        }

        void skipWs() {
            while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) pos++;
        }

        Object value(int depth) {
            if (depth > 1000) throw error("nested too deeply");
            if (pos >= s.length()) throw error("unexpected end");
            char c = s.charAt(pos);
            switch (c) {
                case '{': {
                    pos++;
                    LinkedHashMap<Object, Object> m = new LinkedHashMap<>();
                    skipWs();
                    if (pos < s.length() && s.charAt(pos) == '}') { pos++; return m; }
                    while (true) {
                        skipWs();
                        if (pos >= s.length() || s.charAt(pos) != '"') throw error("expected a string key");
                        String k = string();
                        skipWs();
                        expect(':');
                        skipWs();
                        m.put(k, value(depth + 1));
                        skipWs();
                        if (pos < s.length() && s.charAt(pos) == ',') { pos++; continue; }
                        expect('}');
                        return m;
                    }
                }
                case '[': {
                    pos++;
                    List<Object> l = new ArrayList<>();
                    skipWs();
                    if (pos < s.length() && s.charAt(pos) == ']') { pos++; return l; }
                    while (true) {
                        skipWs();
                        l.add(value(depth + 1));
                        skipWs();
                        if (pos < s.length() && s.charAt(pos) == ',') { pos++; continue; }
                        expect(']');
                        return l;
                    }
                }
                case '"': return string();
                case 't': word("true"); return Boolean.TRUE;
                case 'f': word("false"); return Boolean.FALSE;
                case 'n': word("null"); return null;
                default: return number();
            }
        }

        void expect(char c) {
            if (pos >= s.length() || s.charAt(pos) != c) throw error("expected '" + c + "'");
            pos++;
        }

        void word(String w) {
            if (!s.startsWith(w, pos)) throw error("unexpected character");
            pos += w.length();
        }

        Object number() {
            int start = pos;
            if (pos < s.length() && s.charAt(pos) == '-') pos++;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
            boolean isFloat = false;
            if (pos < s.length() && s.charAt(pos) == '.') {
                isFloat = true;
                pos++;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
            }
            if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                isFloat = true;
                pos++;
                if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) pos++;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
            }
            String t = s.substring(start, pos);
            if (t.isEmpty() || t.equals("-")) { pos = start; throw error("unexpected character"); }
            try {
                if (!isFloat) {
                    try { return Long.parseLong(t); } catch (NumberFormatException e) { return Double.parseDouble(t); }
                }
                return Double.parseDouble(t);
            } catch (NumberFormatException e) {
                pos = start;
                throw error("bad number");
            }
        }

        String string() {
            pos++;
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos >= s.length()) throw error("unterminated string");
                char c = s.charAt(pos++);
                if (c == '"') return sb.toString();
                if (c != '\\') { sb.append(c); continue; }
                if (pos >= s.length()) throw error("unterminated string");
                char e = s.charAt(pos++);
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        if (pos + 4 > s.length()) throw error("truncated \\u escape");
                        try { sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16)); }
                        catch (NumberFormatException x) { throw error("bad \\u escape"); }
                        pos += 4;
                    }
                    default -> throw error("bad escape '\\" + e + "'");
                }
            }
        }
    }
}
