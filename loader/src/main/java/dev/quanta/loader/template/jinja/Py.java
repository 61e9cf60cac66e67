package dev.quanta.loader.template.jinja;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python value semantics for template values. Values are: {@code null} (None), {@link Undefined},
 * {@link Boolean}, {@link Long} (every int), {@link Double}, {@link String}, {@link List} (a
 * {@link Tuple} prints as a tuple), {@link Map} (insertion-ordered), {@link Namespace} and
 * {@link Fn} (macros, functions, bound methods).
 */
final class Py {
    private Py() { }

    /** An error without a position; the interpreter adds the template line and column. */
    static class EvalError extends RuntimeException {
        EvalError(String message) { super(message, null, false, false); }
    }

    /** Thrown by {@code raise_exception(message)}; becomes a {@link TemplateRaisedException}. */
    static final class Raised extends EvalError {
        Raised(String message) { super(message); }
    }

    /** Jinja2's Undefined: prints as "", is false, iterates as empty, fails on attribute access. */
    record Undefined(String hint) {
        @Override public String toString() { return ""; }
    }

    /** An immutable list that prints as a Python tuple. */
    static final class Tuple extends AbstractList<Object> {
        private final Object[] items;
        Tuple(Object... items) { this.items = items; }
        Tuple(List<?> items) { this.items = items.toArray(); }
        @Override public Object get(int i) { return items[i]; }
        @Override public int size() { return items.length; }
    }

    /** The object {@code namespace(...)} returns: attributes that {@code set ns.x = ...} can change from any scope. */
    static final class Namespace {
        final LinkedHashMap<String, Object> attrs = new LinkedHashMap<>();
    }

    /** Something callable from a template. */
    @FunctionalInterface
    interface Fn {
        Object call(List<Object> args, Map<String, Object> kwargs);
    }

    // ---- conversion of host values ------------------------------------------------------------

    /** Converts Java values given by the caller (Integer, Float, arrays, any Map/List) to template values. */
    static Object fromJava(Object v) {
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double
                || v instanceof Undefined || v instanceof Namespace || v instanceof Fn || v instanceof Tuple) return v;
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
        if (v instanceof Float f) return Double.parseDouble(Float.toString(f));
        if (v instanceof BigInteger b) return b.longValue();
        if (v instanceof BigDecimal b) return b.doubleValue();
        if (v instanceof Character c) return c.toString();
        if (v instanceof CharSequence s) return s.toString();
        if (v instanceof Map<?, ?> m) {
            LinkedHashMap<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) out.put(fromJava(e.getKey()), fromJava(e.getValue()));
            return out;
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            for (Object o : c) out.add(fromJava(o));
            return out;
        }
        if (v instanceof Object[] a) return fromJava(List.of(a));
        if (v instanceof Enum<?> e) return e.name();
        throw new EvalError("cannot pass a " + v.getClass().getName() + " to a template");
    }

    // ---- type tests --------------------------------------------------------------------------

    static boolean isUndefined(Object v) { return v instanceof Undefined; }

    static boolean isInt(Object v) { return v instanceof Long; }

    static boolean isNumber(Object v) { return v instanceof Long || v instanceof Double || v instanceof Boolean; }

    static String typeName(Object v) {
        if (v == null) return "NoneType";
        if (v instanceof Undefined) return "Undefined";
        if (v instanceof Boolean) return "bool";
        if (v instanceof Long) return "int";
        if (v instanceof Double) return "float";
        if (v instanceof String) return "str";
        if (v instanceof Tuple) return "tuple";
        if (v instanceof List) return "list";
        if (v instanceof Map) return "dict";
        if (v instanceof Namespace) return "Namespace";
        if (v instanceof Fn) return "function";
        return v.getClass().getSimpleName();
    }

    static boolean truthy(Object v) {
        if (v == null || v instanceof Undefined) return false;
        if (v instanceof Boolean b) return b;
        if (v instanceof Long l) return l != 0;
        if (v instanceof Double d) return d != 0.0;
        if (v instanceof String s) return !s.isEmpty();
        if (v instanceof Collection<?> c) return !c.isEmpty();
        if (v instanceof Map<?, ?> m) return !m.isEmpty();
        return true;
    }

    // ---- printing ----------------------------------------------------------------------------

    /** Python's {@code str(v)}, with Undefined as "". */
    static String str(Object v) {
        if (v instanceof String s) return s;
        if (v == null) return "None";
        if (v instanceof Undefined) return "";
        if (v instanceof Boolean b) return b ? "True" : "False";
        if (v instanceof Long l) return l.toString();
        if (v instanceof Double d) return floatRepr(d);
        return repr(v);
    }

    /** Python's {@code repr(v)}. */
    static String repr(Object v) {
        if (v instanceof String s) return strRepr(s);
        if (v instanceof Tuple t) {
            StringBuilder sb = new StringBuilder("(");
            for (int i = 0; i < t.size(); i++) { if (i > 0) sb.append(", "); sb.append(repr(t.get(i))); }
            if (t.size() == 1) sb.append(',');
            return sb.append(')').toString();
        }
        if (v instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < l.size(); i++) { if (i > 0) sb.append(", "); sb.append(repr(l.get(i))); }
            return sb.append(']').toString();
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) sb.append(", ");
                first = false;
                sb.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
            }
            return sb.append('}').toString();
        }
        if (v instanceof Namespace ns) return "<Namespace " + repr(ns.attrs) + ">";
        if (v instanceof Fn) return "<function>";
        return str(v);
    }

    static String strRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder().append(quote);
        s.codePoints().forEach(c -> {
            if (c == quote || c == '\\') sb.append('\\').appendCodePoint(c);
            else if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else if (c == '\t') sb.append("\\t");
            else if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", c));
            else sb.appendCodePoint(c);
        });
        return sb.append(quote).toString();
    }

    /** Python's {@code repr(float)}: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - 1 - bd.scale(); // decimal exponent of the first digit
        StringBuilder sb = new StringBuilder(d < 0 ? "-" : "");
        if (exp < -4 || exp >= 16) {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) sb.append('.').append(digits, 1, digits.length());
            sb.append('e').append(exp < 0 ? '-' : '+');
            int a = Math.abs(exp);
            if (a < 10) sb.append('0');
            sb.append(a);
        } else if (exp < 0) {
            sb.append("0.").append("0".repeat(-exp - 1)).append(digits);
        } else if (digits.length() <= exp + 1) {
            sb.append(digits).append("0".repeat(exp + 1 - digits.length())).append(".0");
        } else {
            sb.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length());
        }
        return sb.toString();
    }

    // ---- comparison ----------------------------------------------------------------------------

    static boolean eq(Object a, Object b) {
        if (a == b) return true;
        if (a == null || b == null) return false;
        if (a instanceof Undefined || b instanceof Undefined) return a instanceof Undefined && b instanceof Undefined;
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return toDouble(a) == toDouble(b);
            return toLong(a) == toLong(b);
        }
        if (a instanceof String s) return s.equals(b);
        if (a instanceof List<?> l && b instanceof List<?> m) {
            if (l.size() != m.size()) return false;
            for (int i = 0; i < l.size(); i++) if (!eq(l.get(i), m.get(i))) return false;
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) return false;
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!containsKey(y, e.getKey()) || !eq(e.getValue(), getKey(y, e.getKey()))) return false;
            }
            return true;
        }
        return a.equals(b);
    }

    static int compare(Object a, Object b, String op) {
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return Double.compare(toDouble(a), toDouble(b));
            return Long.compare(toLong(a), toLong(b));
        }
        if (a instanceof String x && b instanceof String y) {
            return Integer.signum(x.compareTo(y)); // UTF-16 order equals code point order outside surrogates
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (!eq(x.get(i), y.get(i))) return compare(x.get(i), y.get(i), op);
            }
            return Integer.compare(x.size(), y.size());
        }
        throw new EvalError("'" + op + "' not supported between instances of '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    static boolean contains(Object container, Object item) {
        if (container instanceof String s) {
            if (!(item instanceof String x)) throw new EvalError("'in <string>' requires string as left operand, not " + typeName(item));
            return s.contains(x);
        }
        if (container instanceof List<?> l) {
            for (Object o : l) if (eq(o, item)) return true;
            return false;
        }
        if (container instanceof Map<?, ?> m) return containsKey(m, item);
        if (container instanceof Namespace ns) return item instanceof String s && ns.attrs.containsKey(s);
        if (container instanceof Undefined || container == null) {
            if (container == null) throw new EvalError("argument of type 'NoneType' is not iterable");
            return false;
        }
        throw new EvalError("argument of type '" + typeName(container) + "' is not iterable");
    }

    /** Map lookup where 1 and 1.0 and True are the same key, as in Python. */
    static boolean containsKey(Map<?, ?> m, Object key) {
        if (m.containsKey(key)) return true;
        if (isNumber(key)) for (Object k : m.keySet()) if (isNumber(k) && eq(k, key)) return true;
        return false;
    }

    static Object getKey(Map<?, ?> m, Object key) {
        if (m.containsKey(key)) return m.get(key);
        if (isNumber(key)) for (Map.Entry<?, ?> e : m.entrySet()) if (isNumber(e.getKey()) && eq(e.getKey(), key)) return e.getValue();
        return null;
    }

    // ---- numbers -------------------------------------------------------------------------------

    static long toLong(Object v) {
        if (v instanceof Long l) return l;
        if (v instanceof Boolean b) return b ? 1 : 0;
        if (v instanceof Double d) return (long) (double) d;
        throw new EvalError("expected a number, got " + typeName(v));
    }

    static double toDouble(Object v) {
        if (v instanceof Double d) return d;
        if (v instanceof Long l) return l;
        if (v instanceof Boolean b) return b ? 1 : 0;
        throw new EvalError("expected a number, got " + typeName(v));
    }

    static Object binary(String op, Object a, Object b) {
        switch (op) {
            case "~": return str(a) + str(b);
            case "+":
                if (isNumber(a) && isNumber(b)) {
                    if (a instanceof Double || b instanceof Double) return toDouble(a) + toDouble(b);
                    return Math.addExact(toLong(a), toLong(b));
                }
                if (a instanceof String x && b instanceof String y) return x + y;
                if (a instanceof List<?> x && b instanceof List<?> y) {
                    List<Object> out = new ArrayList<>(x);
                    out.addAll(y);
                    return a instanceof Tuple ? new Tuple(out) : out;
                }
                break;
            case "-":
                if (isNumber(a) && isNumber(b)) {
                    if (a instanceof Double || b instanceof Double) return toDouble(a) - toDouble(b);
                    return Math.subtractExact(toLong(a), toLong(b));
                }
                break;
            case "*":
                if (isNumber(a) && isNumber(b)) {
                    if (a instanceof Double || b instanceof Double) return toDouble(a) * toDouble(b);
                    return Math.multiplyExact(toLong(a), toLong(b));
                }
                if (a instanceof String s && isInt(b)) return repeat(s, toLong(b));
                if (b instanceof String s && isInt(a)) return repeat(s, toLong(a));
                if (a instanceof List<?> l && isInt(b)) {
                    List<Object> out = new ArrayList<>();
                    for (long i = 0; i < toLong(b); i++) { out.addAll(l); checkSize(out.size()); }
                    return out;
                }
                break;
            case "/":
                if (isNumber(a) && isNumber(b)) {
                    if (toDouble(b) == 0) throw new EvalError("division by zero");
                    return toDouble(a) / toDouble(b);
                }
                break;
            case "//":
                if (isNumber(a) && isNumber(b)) {
                    if (toDouble(b) == 0) throw new EvalError("integer division or modulo by zero");
                    if (a instanceof Double || b instanceof Double) return Math.floor(toDouble(a) / toDouble(b));
                    return Math.floorDiv(toLong(a), toLong(b));
                }
                break;
            case "%":
                if (isNumber(a) && isNumber(b)) {
                    if (toDouble(b) == 0) throw new EvalError("integer division or modulo by zero");
                    if (a instanceof Double || b instanceof Double) {
                        double x = toDouble(a), y = toDouble(b);
                        double r = x % y;
                        return r != 0 && (r < 0) != (y < 0) ? r + y : r;
                    }
                    return Math.floorMod(toLong(a), toLong(b));
                }
                if (a instanceof String fmt) return percentFormat(fmt, b);
                break;
            case "**":
                if (isNumber(a) && isNumber(b)) {
                    if (a instanceof Long && b instanceof Long && toLong(b) >= 0) {
                        return BigInteger.valueOf(toLong(a)).pow((int) Math.min(toLong(b), 64)).longValueExact();
                    }
                    return Math.pow(toDouble(a), toDouble(b));
                }
                break;
            default:
        }
        throw new EvalError("unsupported operand type(s) for " + op + ": '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    private static void checkSize(long n) {
        if (n > 50_000_000L) throw new EvalError("result too large");
    }

    static String repeat(String s, long n) {
        if (n <= 0) return "";
        checkSize(s.length() * n);
        return s.repeat((int) n);
    }

    /** The {@code 'fmt' % args} string formatting, for %s %d %i %r %f and %%. */
    static String percentFormat(String fmt, Object args) {
        List<?> list = args instanceof Tuple t ? t : List.of(args == null ? new Undefined("None") : args);
        Iterator<?> it = list.iterator();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%') { sb.append(c); continue; }
            int j = i + 1;
            while (j < fmt.length() && "0123456789.-+ ".indexOf(fmt.charAt(j)) >= 0) j++;
            if (j >= fmt.length()) throw new EvalError("incomplete format");
            String spec = fmt.substring(i + 1, j);
            char conv = fmt.charAt(j);
            i = j;
            if (conv == '%') { sb.append('%'); continue; }
            if (!it.hasNext()) throw new EvalError("not enough arguments for format string");
            Object a = it.next();
            if (a instanceof Undefined u && "None".equals(u.hint())) a = null;
            switch (conv) {
                case 's' -> sb.append(String.format("%" + spec + "s", str(a)));
                case 'r' -> sb.append(String.format("%" + spec + "s", repr(a)));
                case 'd', 'i' -> sb.append(String.format("%" + spec + "d", toLong(a)));
                case 'f' -> sb.append(String.format("%" + (spec.isEmpty() ? ".6" : spec) + "f", toDouble(a)));
                default -> throw new EvalError("unsupported format character '" + conv + "'");
            }
        }
        if (it.hasNext()) throw new EvalError("not all arguments converted during string formatting");
        return sb.toString();
    }

    /** Python sequence index normalisation: negative counts from the end. */
    static int index(long i, int size) {
        long j = i < 0 ? i + size : i;
        if (j < 0 || j >= size) return -1;
        return (int) j;
    }

    /** Python slice semantics on a list or string. */
    static Object slice(Object target, Object start, Object stop, Object step) {
        long st = step == null ? 1 : toLong(step);
        if (st == 0) throw new EvalError("slice step cannot be zero");
        int n;
        if (target instanceof String s) n = s.length();
        else if (target instanceof List<?> l) n = l.size();
        else throw new EvalError("'" + typeName(target) + "' object is not subscriptable");
        long lo, hi;
        if (st > 0) {
            lo = start == null ? 0 : clamp(toLong(start), n, 0, n);
            hi = stop == null ? n : clamp(toLong(stop), n, 0, n);
        } else {
            lo = start == null ? n - 1 : clamp(toLong(start), n, -1, n - 1);
            hi = stop == null ? -1 : clamp(toLong(stop), n, -1, n - 1);
        }
        List<Integer> idx = new ArrayList<>();
        if (st > 0) for (long i = lo; i < hi; i += st) idx.add((int) i);
        else for (long i = lo; i > hi; i += st) idx.add((int) i);
        if (target instanceof String s) {
            StringBuilder sb = new StringBuilder();
            for (int i : idx) sb.append(s.charAt(i));
            return sb.toString();
        }
        List<?> l = (List<?>) target;
        List<Object> out = new ArrayList<>(idx.size());
        for (int i : idx) out.add(l.get(i));
        return target instanceof Tuple ? new Tuple(out) : out;
    }

    private static long clamp(long i, int n, long min, long max) {
        if (i < 0) i += n;
        return Math.max(min, Math.min(max, i));
    }
}
