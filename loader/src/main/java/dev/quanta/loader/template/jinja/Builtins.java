package dev.quanta.loader.template.jinja;

import dev.quanta.loader.template.jinja.Py.EvalError;
import dev.quanta.loader.template.jinja.Py.Fn;
import dev.quanta.loader.template.jinja.Py.Namespace;
import dev.quanta.loader.template.jinja.Py.Tuple;
import dev.quanta.loader.template.jinja.Py.Undefined;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Jinja2's built-in filters, tests and globals, Hugging Face's {@code tojson} and
 * {@code raise_exception}, and the Python methods templates call on strings, dicts and lists.
 */
final class Builtins {
    private Builtins() { }

    static final Set<String> FILTERS = Set.of("abs", "attr", "capitalize", "count", "d", "default", "dictsort", "e", "escape",
            "first", "float", "forceescape", "format", "indent", "int", "items", "join", "last", "length", "list", "lower", "map",
            "max", "min", "pprint", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort",
            "string", "sum", "title", "tojson", "trim", "unique", "upper", "wordcount", "center", "batch", "striptags");

    static final Set<String> TESTS = Set.of("defined", "undefined", "none", "boolean", "false", "true", "integer", "float",
            "number", "string", "mapping", "iterable", "sequence", "callable", "sameas", "equalto", "eq", "==", "ne", "!=",
            "lt", "<", "le", "<=", "gt", ">", "ge", ">=", "lessthan", "greaterthan", "in", "divisibleby", "even", "odd",
            "lower", "upper", "escaped", "filter", "test");

    private static final Set<String> STR_METHODS = Set.of("strip", "lstrip", "rstrip", "split", "rsplit", "splitlines",
            "startswith", "endswith", "upper", "lower", "title", "capitalize", "replace", "find", "rfind", "index", "count",
            "join", "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "format", "removeprefix", "removesuffix",
            "zfill", "swapcase");
    private static final Set<String> DICT_METHODS = Set.of("items", "keys", "values", "get", "update", "pop", "setdefault", "copy");
    private static final Set<String> LIST_METHODS = Set.of("append", "pop", "insert", "index", "count", "extend", "remove",
            "reverse", "copy");

    // ---- attribute and item access ---------------------------------------------------------

    static Object getAttr(Object obj, String name, String desc) {
        if (obj instanceof Undefined u) throw new EvalError("'" + u.hint() + "' is undefined (reading ." + name + ")");
        if (obj instanceof Map<?, ?> m) {
            if (DICT_METHODS.contains(name)) return dictMethod(m, name);
            if (m.containsKey(name)) return m.get(name);
            return new Undefined(desc + "." + name);
        }
        if (obj instanceof Namespace ns) {
            return ns.attrs.containsKey(name) ? ns.attrs.get(name) : new Undefined(desc + "." + name);
        }
        if (obj instanceof String s && STR_METHODS.contains(name)) return strMethod(s, name);
        if (obj instanceof List<?> l && LIST_METHODS.contains(name)) return listMethod(l, name);
        if (obj instanceof Interpreter.Loop loop) return loop.attr(name);
        return new Undefined(desc + "." + name);
    }

    static Object getItem(Object obj, Object key, String desc) {
        if (obj instanceof Undefined u) throw new EvalError("'" + u.hint() + "' is undefined (reading [" + Py.repr(key) + "])");
        if (obj instanceof Map<?, ?> m) {
            if (Py.containsKey(m, key)) return Py.getKey(m, key);
            return new Undefined(desc + "[" + Py.repr(key) + "]");
        }
        if ((obj instanceof List<?> || obj instanceof String) && (key instanceof Long || key instanceof Boolean)) {
            int size = obj instanceof String s ? s.length() : ((List<?>) obj).size();
            int i = Py.index(Py.toLong(key), size);
            if (i < 0) return new Undefined(desc + "[" + key + "] (index out of range)");
            return obj instanceof String s ? String.valueOf(s.charAt(i)) : ((List<?>) obj).get(i);
        }
        if (key instanceof String k) return getAttr(obj, k, desc);
        return new Undefined(desc + "[" + Py.repr(key) + "]");
    }

    // ---- methods ---------------------------------------------------------------------------

    private static Object arg(List<Object> args, Map<String, Object> kw, int i, String name, Object dflt) {
        if (i < args.size()) return args.get(i);
        if (kw.containsKey(name)) return kw.get(name);
        return dflt;
    }

    private static boolean isPyWhitespace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85 || (c >= 0x1c && c <= 0x1f);
    }

    static String strip(String s, Object chars, boolean left, boolean right) {
        int a = 0, b = s.length();
        if (chars == null || chars instanceof Undefined) {
            while (left && a < b && isPyWhitespace(s.charAt(a))) a++;
            while (right && b > a && isPyWhitespace(s.charAt(b - 1))) b--;
        } else {
            String cs = Py.str(chars);
            while (left && a < b && cs.indexOf(s.charAt(a)) >= 0) a++;
            while (right && b > a && cs.indexOf(s.charAt(b - 1)) >= 0) b--;
        }
        return s.substring(a, b);
    }

    static List<Object> split(String s, Object sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null || sep instanceof Undefined) {
            int i = 0, n = s.length();
            while (true) {
                while (i < n && isPyWhitespace(s.charAt(i))) i++;
                if (i >= n) break;
                if (maxsplit >= 0 && out.size() >= maxsplit) { out.add(strip(s.substring(i), null, false, true)); break; }
                int j = i;
                while (j < n && !isPyWhitespace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        String d = Py.str(sep);
        if (d.isEmpty()) throw new EvalError("empty separator");
        int i = 0;
        while (true) {
            int j = s.indexOf(d, i);
            if (j < 0 || (maxsplit >= 0 && out.size() >= maxsplit)) { out.add(s.substring(i)); break; }
            out.add(s.substring(i, j));
            i = j + d.length();
        }
        return out;
    }

    private static boolean affix(String s, Object what, boolean prefix) {
        if (what instanceof List<?> l) {
            for (Object o : l) if (affix(s, o, prefix)) return true;
            return false;
        }
        if (!(what instanceof String w)) throw new EvalError((prefix ? "startswith" : "endswith") + " first arg must be str or a tuple of str, not " + Py.typeName(what));
        return prefix ? s.startsWith(w) : s.endsWith(w);
    }

    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int first = s.codePointAt(0);
        int n = Character.charCount(first);
        return new String(Character.toChars(Character.toUpperCase(first))) + s.substring(n).toLowerCase(Locale.ROOT);
    }

    /** Python's str.title(): a letter after a non-letter is upper-cased, other letters lower-cased. */
    static String pyTitle(String s) {
        StringBuilder sb = new StringBuilder();
        boolean prevLetter = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(prevLetter ? Character.toLowerCase(c) : Character.toUpperCase(c));
            prevLetter = Character.isLetter(c);
        }
        return sb.toString();
    }

    private static Fn strMethod(String s, String name) {
        return (args, kw) -> switch (name) {
            case "strip" -> strip(s, arg(args, kw, 0, "chars", null), true, true);
            case "lstrip" -> strip(s, arg(args, kw, 0, "chars", null), true, false);
            case "rstrip" -> strip(s, arg(args, kw, 0, "chars", null), false, true);
            case "split" -> split(s, arg(args, kw, 0, "sep", null), Py.toLong(arg(args, kw, 1, "maxsplit", -1L)));
            case "rsplit" -> {
                Object sep = arg(args, kw, 0, "sep", null);
                long max = Py.toLong(arg(args, kw, 1, "maxsplit", -1L));
                if (max < 0) yield split(s, sep, -1);
                // split from the right: reverse, split on the reversed separator, reverse back
                String rev = new StringBuilder(s).reverse().toString();
                Object rsep = sep == null ? null : new StringBuilder(Py.str(sep)).reverse().toString();
                List<Object> parts = split(rev, rsep, max);
                List<Object> out = new ArrayList<>();
                for (int i = parts.size() - 1; i >= 0; i--) out.add(new StringBuilder((String) parts.get(i)).reverse().toString());
                yield out;
            }
            case "splitlines" -> {
                List<Object> out = new ArrayList<>();
                for (String line : s.split("\r\n|[\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029]", -1)) out.add(line);
                if (!out.isEmpty() && ((String) out.get(out.size() - 1)).isEmpty()) out.remove(out.size() - 1);
                yield out;
            }
            case "startswith" -> affix(s, args.isEmpty() ? null : args.get(0), true);
            case "endswith" -> affix(s, args.isEmpty() ? null : args.get(0), false);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "swapcase" -> {
                StringBuilder sb = new StringBuilder();
                for (char c : s.toCharArray()) sb.append(Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
                yield sb.toString();
            }
            case "title" -> pyTitle(s);
            case "capitalize" -> capitalize(s);
            case "replace" -> replace(s, Py.str(args.get(0)), Py.str(args.get(1)), args.size() > 2 ? Py.toLong(args.get(2)) : -1);
            case "find" -> (long) s.indexOf(Py.str(args.get(0)));
            case "rfind" -> (long) s.lastIndexOf(Py.str(args.get(0)));
            case "index" -> {
                int i = s.indexOf(Py.str(args.get(0)));
                if (i < 0) throw new EvalError("substring not found");
                yield (long) i;
            }
            case "count" -> {
                String sub = Py.str(args.get(0));
                if (sub.isEmpty()) yield (long) s.length() + 1;
                long c = 0;
                for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) c++;
                yield c;
            }
            case "join" -> {
                StringBuilder sb = new StringBuilder();
                List<Object> items = iterable(args.get(0));
                for (int i = 0; i < items.size(); i++) {
                    if (i > 0) sb.append(s);
                    if (!(items.get(i) instanceof String x)) throw new EvalError("sequence item " + i + ": expected str instance, " + Py.typeName(items.get(i)) + " found");
                    sb.append(x);
                }
                yield sb.toString();
            }
            case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.chars().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.chars().allMatch(Character::isLetterOrDigit);
            case "isspace" -> !s.isEmpty() && s.chars().allMatch(Builtins::isPyWhitespace);
            case "isupper" -> s.chars().anyMatch(Character::isUpperCase) && s.chars().noneMatch(Character::isLowerCase);
            case "islower" -> s.chars().anyMatch(Character::isLowerCase) && s.chars().noneMatch(Character::isUpperCase);
            case "removeprefix" -> s.startsWith(Py.str(args.get(0))) ? s.substring(Py.str(args.get(0)).length()) : s;
            case "removesuffix" -> s.endsWith(Py.str(args.get(0))) && !Py.str(args.get(0)).isEmpty()
                    ? s.substring(0, s.length() - Py.str(args.get(0)).length()) : s;
            case "zfill" -> {
                int w = (int) Py.toLong(args.get(0));
                if (s.length() >= w) yield s;
                boolean sign = !s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+');
                String pad = "0".repeat(w - s.length());
                yield sign ? s.charAt(0) + pad + s.substring(1) : pad + s;
            }
            case "format" -> strFormat(s, args, kw);
            default -> throw new EvalError("str has no method " + name);
        };
    }

    static String replace(String s, String old, String with, long count) {
        if (count < 0) return s.replace(old, with);
        StringBuilder sb = new StringBuilder();
        int i = 0;
        long done = 0;
        while (done < count) {
            int j = s.indexOf(old, i);
            if (j < 0) break;
            sb.append(s, i, j).append(with);
            i = j + old.length();
            done++;
            if (old.isEmpty()) { if (i < s.length()) sb.append(s.charAt(i)); i++; if (i > s.length()) break; }
        }
        if (i <= s.length()) sb.append(s.substring(Math.min(i, s.length())));
        return sb.toString();
    }

    /** {@code '{} {0} {name}'.format(...)} with plain replacement fields (no format specs). */
    private static String strFormat(String fmt, List<Object> args, Map<String, Object> kw) {
        StringBuilder sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c == '{' && i + 1 < fmt.length() && fmt.charAt(i + 1) == '{') { sb.append('{'); i++; continue; }
            if (c == '}' && i + 1 < fmt.length() && fmt.charAt(i + 1) == '}') { sb.append('}'); i++; continue; }
            if (c != '{') { sb.append(c); continue; }
            int j = fmt.indexOf('}', i);
            if (j < 0) throw new EvalError("single '{' encountered in format string");
            String field = fmt.substring(i + 1, j);
            Object v;
            if (field.isEmpty()) v = auto < args.size() ? args.get(auto++) : null;
            else if (field.chars().allMatch(Character::isDigit)) v = Integer.parseInt(field) < args.size() ? args.get(Integer.parseInt(field)) : null;
            else v = kw.get(field);
            if (v == null && !(field.isEmpty() ? auto - 1 < args.size() : kw.containsKey(field))) throw new EvalError("format: no value for field '{" + field + "}'");
            sb.append(Py.str(v));
            i = j;
        }
        return sb.toString();
    }

    @SuppressWarnings("unchecked")
    private static Fn dictMethod(Map<?, ?> m0, String name) {
        Map<Object, Object> m = (Map<Object, Object>) m0;
        return (args, kw) -> switch (name) {
            case "items" -> {
                List<Object> out = new ArrayList<>();
                for (Map.Entry<Object, Object> e : m.entrySet()) out.add(new Tuple(e.getKey(), e.getValue()));
                yield out;
            }
            case "keys" -> new ArrayList<>(m.keySet());
            case "values" -> new ArrayList<>(m.values());
            case "get" -> {
                Object k = arg(args, kw, 0, "key", null);
                yield Py.containsKey(m, k) ? Py.getKey(m, k) : arg(args, kw, 1, "default", null);
            }
            case "update" -> {
                if (!args.isEmpty()) {
                    if (!(args.get(0) instanceof Map<?, ?> o)) throw new EvalError("update() argument must be a dict");
                    m.putAll(o);
                }
                m.putAll(kw);
                yield null;
            }
            case "pop" -> {
                Object k = args.isEmpty() ? null : args.get(0);
                if (Py.containsKey(m, k)) yield m.remove(k);
                if (args.size() > 1) yield args.get(1);
                throw new EvalError("KeyError: " + Py.repr(k));
            }
            case "setdefault" -> {
                Object k = args.get(0);
                if (!Py.containsKey(m, k)) m.put(k, args.size() > 1 ? args.get(1) : null);
                yield Py.getKey(m, k);
            }
            case "copy" -> new LinkedHashMap<>(m);
            default -> throw new EvalError("dict has no method " + name);
        };
    }

    @SuppressWarnings("unchecked")
    private static Fn listMethod(List<?> l0, String name) {
        return (args, kw) -> {
            if (l0 instanceof Tuple && !Set.of("index", "count").contains(name)) throw new EvalError("'tuple' object has no attribute '" + name + "'");
            List<Object> l = (List<Object>) l0;
            return switch (name) {
                case "append" -> { l.add(args.get(0)); yield null; }
                case "extend" -> { l.addAll(iterable(args.get(0))); yield null; }
                case "insert" -> {
                    int n = l.size();
                    long i = Py.toLong(args.get(0));
                    if (i < 0) i = Math.max(0, i + n);
                    l.add((int) Math.min(i, n), args.get(1));
                    yield null;
                }
                case "pop" -> {
                    if (l.isEmpty()) throw new EvalError("pop from empty list");
                    int i = Py.index(args.isEmpty() ? -1 : Py.toLong(args.get(0)), l.size());
                    if (i < 0) throw new EvalError("pop index out of range");
                    yield l.remove(i);
                }
                case "remove" -> {
                    for (int i = 0; i < l.size(); i++) if (Py.eq(l.get(i), args.get(0))) { l.remove(i); yield null; }
                    throw new EvalError("list.remove(x): x not in list");
                }
                case "index" -> {
                    for (int i = 0; i < l.size(); i++) if (Py.eq(l.get(i), args.get(0))) yield (long) i;
                    throw new EvalError(Py.repr(args.get(0)) + " is not in list");
                }
                case "count" -> l.stream().filter(x -> Py.eq(x, args.get(0))).count();
                case "reverse" -> { java.util.Collections.reverse(l); yield null; }
                case "copy" -> new ArrayList<>(l);
                default -> throw new EvalError("list has no method " + name);
            };
        };
    }

    // ---- globals -----------------------------------------------------------------------------

    /** The functions every template sees; {@code now} feeds {@code strftime_now}. */
    static Map<String, Object> globals(Supplier<ZonedDateTime> now) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("range", (Fn) (args, kw) -> {
            long start = 0, stop, step = 1;
            if (args.isEmpty()) throw new EvalError("range expected at least 1 argument, got 0");
            if (args.size() == 1) stop = Py.toLong(args.get(0));
            else { start = Py.toLong(args.get(0)); stop = Py.toLong(args.get(1)); }
            if (args.size() > 2) step = Py.toLong(args.get(2));
            if (step == 0) throw new EvalError("range() arg 3 must not be zero");
            long n = step > 0 ? Math.max(0, (stop - start + step - 1) / step) : Math.max(0, (start - stop - step - 1) / -step);
            if (n > 10_000_000L) throw new EvalError("range too large (" + n + " items)");
            List<Object> out = new ArrayList<>((int) n);
            for (long i = 0; i < n; i++) out.add(start + i * step);
            return out;
        });
        g.put("dict", (Fn) (args, kw) -> {
            LinkedHashMap<Object, Object> m = new LinkedHashMap<>();
            if (!args.isEmpty() && args.get(0) instanceof Map<?, ?> o) m.putAll(o);
            m.putAll(kw);
            return m;
        });
        g.put("namespace", (Fn) (args, kw) -> {
            Namespace ns = new Namespace();
            for (Object a : args) {
                if (!(a instanceof Map<?, ?> m)) throw new EvalError("namespace() positional arguments must be dicts");
                for (Map.Entry<?, ?> e : m.entrySet()) ns.attrs.put(Py.str(e.getKey()), e.getValue());
            }
            ns.attrs.putAll(kw);
            return ns;
        });
        g.put("joiner", (Fn) (args, kw) -> {
            String sep = Py.str(arg(args, kw, 0, "sep", ", "));
            boolean[] used = {false};
            return (Fn) (a, k) -> {
                if (!used[0]) { used[0] = true; return ""; }
                return sep;
            };
        });
        g.put("raise_exception", (Fn) (args, kw) -> {
            throw new Py.Raised(args.isEmpty() ? "" : Py.str(args.get(0)));
        });
        g.put("strftime_now", (Fn) (args, kw) -> {
            if (args.size() != 1) throw new EvalError("strftime_now expects one format argument");
            return strftime(now.get(), Py.str(args.get(0)));
        });
        return g;
    }

    /** Python's strftime for the common directives (C locale). */
    static String strftime(ZonedDateTime t, String fmt) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) { sb.append(c); continue; }
            char d = fmt.charAt(++i);
            boolean noPad = false;
            if (d == '-' && i + 1 < fmt.length()) { noPad = true; d = fmt.charAt(++i); }
            String v = switch (d) {
                case 'Y' -> String.valueOf(t.getYear());
                case 'y' -> two(t.getYear() % 100, false);
                case 'm' -> two(t.getMonthValue(), noPad);
                case 'd' -> two(t.getDayOfMonth(), noPad);
                case 'e' -> String.format("%2d", t.getDayOfMonth());
                case 'H' -> two(t.getHour(), noPad);
                case 'I' -> two((t.getHour() + 11) % 12 + 1, noPad);
                case 'M' -> two(t.getMinute(), noPad);
                case 'S' -> two(t.getSecond(), noPad);
                case 'p' -> t.getHour() < 12 ? "AM" : "PM";
                case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'j' -> noPad ? String.valueOf(t.getDayOfYear()) : String.format("%03d", t.getDayOfYear());
                case 'Z' -> t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'z' -> t.getOffset().getId().equals("Z") ? "+0000" : t.getOffset().getId().replace(":", "");
                case '%' -> "%";
                default -> "%" + (noPad ? "-" : "") + d;
            };
            sb.append(v);
        }
        return sb.toString();
    }

    private static String two(int v, boolean noPad) {
        return noPad ? String.valueOf(v) : String.format("%02d", v);
    }

    // ---- filters -----------------------------------------------------------------------------

    static List<Object> iterable(Object v) {
        if (v instanceof List<?> l) return new ArrayList<>(l);
        if (v instanceof Map<?, ?> m) return new ArrayList<>(m.keySet());
        if (v instanceof String s) {
            List<Object> out = new ArrayList<>();
            s.codePoints().forEach(c -> out.add(new String(Character.toChars(c))));
            return out;
        }
        if (v instanceof Undefined) return new ArrayList<>();
        throw new EvalError("'" + Py.typeName(v) + "' object is not iterable");
    }

    /** Jinja2 attribute paths: "a.b.0". */
    private static Object attrPath(Object item, Object path) {
        if (path instanceof Long) return getItem(item, path, "item");
        Object v = item;
        for (String part : Py.str(path).split("\\.")) {
            if (v instanceof Undefined) return v;
            Object key = part.chars().allMatch(Character::isDigit) && !part.isEmpty() ? (Object) Long.parseLong(part) : part;
            v = getItem(v, key, "item");
        }
        return v;
    }

    private static Comparator<Object> order(boolean caseSensitive) {
        return (a, b) -> {
            if (!caseSensitive && a instanceof String x && b instanceof String y) return Py.compare(x.toLowerCase(Locale.ROOT), y.toLowerCase(Locale.ROOT), "<");
            return Py.compare(a, b, "<");
        };
    }

    private static Object ignoreCase(Object v, boolean caseSensitive) {
        return !caseSensitive && v instanceof String s ? s.toLowerCase(Locale.ROOT) : v;
    }

    static Object filter(String name, Object v, List<Object> args, Map<String, Object> kw) {
        if (v == null && Set.of("select", "reject", "selectattr", "rejectattr", "map").contains(name)) v = new ArrayList<>();
        switch (name) {
            case "abs": return v instanceof Double d ? Math.abs(d) : (Object) Math.abs(Py.toLong(v));
            case "attr": return getAttr(v, Py.str(args.get(0)), "value");
            case "capitalize": return capitalize(Py.str(v));
            case "center": {
                String s = Py.str(v);
                int w = (int) Py.toLong(arg(args, kw, 0, "width", 80L));
                if (s.length() >= w) return s;
                int total = w - s.length(), left = total / 2 + (total & w & 1);
                return " ".repeat(left) + s + " ".repeat(total - left);
            }
            case "count", "length": {
                if (v instanceof String s) return (long) s.codePointCount(0, s.length());
                if (v instanceof List<?> l) return (long) l.size();
                if (v instanceof Map<?, ?> m) return (long) m.size();
                if (v instanceof Undefined) return 0L;
                if (v instanceof Namespace ns) return (long) ns.attrs.size();
                throw new EvalError("object of type '" + Py.typeName(v) + "' has no len()");
            }
            case "d", "default": {
                Object dflt = arg(args, kw, 0, "default_value", "");
                boolean bool = Py.truthy(arg(args, kw, 1, "boolean", false));
                if (v instanceof Undefined || (bool && !Py.truthy(v))) return dflt;
                return v;
            }
            case "dictsort": {
                if (!(v instanceof Map<?, ?> m)) throw new EvalError("dictsort expects a dict, got " + Py.typeName(v));
                boolean cs = Py.truthy(arg(args, kw, 0, "case_sensitive", false));
                String by = Py.str(arg(args, kw, 1, "by", "key"));
                boolean reverse = Py.truthy(arg(args, kw, 2, "reverse", false));
                int pos = by.equals("value") ? 1 : 0;
                List<Object> items = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) items.add(new Tuple(e.getKey(), e.getValue()));
                Comparator<Object> c = Comparator.comparing(x -> ignoreCase(((Tuple) x).get(pos), cs), order(true));
                items.sort(reverse ? c.reversed() : c);
                return items;
            }
            case "e", "escape", "forceescape": {
                String s = Py.str(v);
                return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;").replace("'", "&#39;");
            }
            case "first": {
                List<Object> l = iterable(v);
                return l.isEmpty() ? new Undefined("first of empty sequence") : l.get(0);
            }
            case "last": {
                List<Object> l = iterable(v);
                return l.isEmpty() ? new Undefined("last of empty sequence") : l.get(l.size() - 1);
            }
            case "float": {
                Object dflt = arg(args, kw, 0, "default", 0.0);
                if (v instanceof Long || v instanceof Double || v instanceof Boolean) return Py.toDouble(v);
                try { return Double.parseDouble(Py.str(v).strip()); } catch (NumberFormatException x) { return dflt; }
            }
            case "int": {
                Object dflt = arg(args, kw, 0, "default", 0L);
                int base = (int) Py.toLong(arg(args, kw, 1, "base", 10L));
                if (v instanceof Long || v instanceof Double || v instanceof Boolean) return Py.toLong(v);
                String s = Py.str(v).strip().replace("_", "");
                try { return Long.parseLong(s, base); } catch (NumberFormatException x) {
                    try { return (long) Double.parseDouble(s); } catch (NumberFormatException y) { return dflt; }
                }
            }
            case "format": return Py.percentFormat(Py.str(v), args.size() == 1 ? args.get(0) : new Tuple(args));
            case "indent": {
                Object width = arg(args, kw, 0, "width", 4L);
                String ind = width instanceof String s ? s : " ".repeat((int) Py.toLong(width));
                boolean first = Py.truthy(arg(args, kw, 1, "first", false));
                boolean blank = Py.truthy(arg(args, kw, 2, "blank", false));
                String s = Py.str(v) + "\n";
                @SuppressWarnings("unchecked") List<Object> lines = (List<Object>) strMethod(s, "splitlines").call(List.of(), Map.of());
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < lines.size(); i++) {
                    String line = (String) lines.get(i);
                    if (i > 0) sb.append('\n');
                    if (i > 0 && (blank || !line.isEmpty())) sb.append(ind);
                    sb.append(line);
                }
                return first ? ind + sb : sb.toString();
            }
            case "items": {
                if (v instanceof Undefined) return new ArrayList<>();
                if (!(v instanceof Map<?, ?>)) throw new EvalError("can only get item pairs from a mapping, not " + Py.typeName(v));
                return dictMethod((Map<?, ?>) v, "items").call(List.of(), Map.of());
            }
            case "join": {
                String sep = Py.str(arg(args, kw, 0, "d", ""));
                Object attribute = arg(args, kw, 1, "attribute", null);
                StringBuilder sb = new StringBuilder();
                List<Object> items = iterable(v);
                for (int i = 0; i < items.size(); i++) {
                    if (i > 0) sb.append(sep);
                    sb.append(Py.str(attribute == null ? items.get(i) : attrPath(items.get(i), attribute)));
                }
                return sb.toString();
            }
            case "list": return iterable(v);
            case "lower": return Py.str(v).toLowerCase(Locale.ROOT);
            case "upper": return Py.str(v).toUpperCase(Locale.ROOT);
            case "map": {
                List<Object> out = new ArrayList<>();
                if (kw.containsKey("attribute")) {
                    Object dflt = kw.get("default");
                    for (Object item : iterable(v)) {
                        Object x = attrPath(item, kw.get("attribute"));
                        out.add(x instanceof Undefined && kw.containsKey("default") ? dflt : x);
                    }
                    return out;
                }
                if (args.isEmpty()) throw new EvalError("map requires a filter name or attribute=");
                String f = Py.str(args.get(0));
                List<Object> rest = args.subList(1, args.size());
                for (Object item : iterable(v)) out.add(filter(f, item, rest, kw));
                return out;
            }
            case "max", "min": {
                List<Object> items = iterable(v);
                if (items.isEmpty()) return new Undefined(name + " of empty sequence");
                boolean cs = Py.truthy(kw.getOrDefault("case_sensitive", false));
                Object attribute = kw.get("attribute");
                Comparator<Object> c = Comparator.comparing(x -> ignoreCase(attribute == null ? x : attrPath(x, attribute), cs), order(true));
                Object best = items.get(0);
                for (Object x : items) if (name.equals("max") ? c.compare(x, best) > 0 : c.compare(x, best) < 0) best = x;
                return best;
            }
            case "pprint": return Py.repr(v);
            case "select", "reject": {
                boolean want = name.equals("select");
                List<Object> out = new ArrayList<>();
                for (Object item : iterable(v)) {
                    boolean r = args.isEmpty() ? Py.truthy(item) : test(Py.str(args.get(0)), item, args.subList(1, args.size()));
                    if (r == want) out.add(item);
                }
                return out;
            }
            case "selectattr", "rejectattr": {
                boolean want = name.equals("selectattr");
                if (args.isEmpty()) throw new EvalError(name + " requires an attribute name");
                List<Object> out = new ArrayList<>();
                for (Object item : iterable(v)) {
                    Object a = attrPath(item, args.get(0));
                    boolean r = args.size() < 2 ? Py.truthy(a) : test(Py.str(args.get(1)), a, args.subList(2, args.size()));
                    if (r == want) out.add(item);
                }
                return out;
            }
            case "replace": {
                long count = args.size() > 2 ? Py.toLong(args.get(2)) : kw.containsKey("count") ? Py.toLong(kw.get("count")) : -1;
                return replace(Py.str(v), Py.str(args.get(0)), Py.str(args.get(1)), count);
            }
            case "reverse": {
                if (v instanceof String s) return new StringBuilder(s).reverse().toString();
                List<Object> l = iterable(v);
                java.util.Collections.reverse(l);
                return l;
            }
            case "round": {
                long precision = Py.toLong(arg(args, kw, 0, "precision", 0L));
                String method = Py.str(arg(args, kw, 1, "method", "common"));
                java.math.RoundingMode mode = switch (method) {
                    case "ceil" -> java.math.RoundingMode.CEILING;
                    case "floor" -> java.math.RoundingMode.FLOOR;
                    default -> java.math.RoundingMode.HALF_UP;
                };
                return new java.math.BigDecimal(Py.toDouble(v)).setScale((int) precision, mode).doubleValue();
            }
            case "safe", "string": return Py.str(v);
            case "sort": {
                boolean reverse = Py.truthy(arg(args, kw, 0, "reverse", false));
                boolean cs = Py.truthy(arg(args, kw, 1, "case_sensitive", false));
                Object attribute = arg(args, kw, 2, "attribute", null);
                List<Object> l = iterable(v);
                Comparator<Object> c = Comparator.comparing(x -> ignoreCase(attribute == null ? x : attrPath(x, attribute), cs), order(true));
                l.sort(reverse ? c.reversed() : c);
                return l;
            }
            case "sum": {
                Object attribute = arg(args, kw, 0, "attribute", null);
                Object total = arg(args, kw, 1, "start", 0L);
                for (Object x : iterable(v)) total = Py.binary("+", total, attribute == null ? x : attrPath(x, attribute));
                return total;
            }
            case "title": {
                String s = Py.str(v);
                StringBuilder sb = new StringBuilder();
                boolean start = true;
                for (int i = 0; i < s.length(); i++) {
                    char c = s.charAt(i);
                    boolean boundary = Character.isWhitespace(c) || "-({[<".indexOf(c) >= 0;
                    sb.append(boundary ? c : start ? Character.toUpperCase(c) : Character.toLowerCase(c));
                    start = boundary;
                }
                return sb.toString();
            }
            case "tojson": {
                Object indent = arg(args, kw, 0, "indent", null);
                boolean sortKeys = Py.truthy(kw.getOrDefault("sort_keys", false));
                String unit = indent == null ? null : indent instanceof String s ? s : " ".repeat((int) Math.max(0, Py.toLong(indent)));
                if (v instanceof Undefined u) throw new EvalError("'" + u.hint() + "' is undefined");
                return Json.dump(v, unit, sortKeys);
            }
            case "trim": return strip(Py.str(v), arg(args, kw, 0, "chars", null), true, true);
            case "striptags": return Py.str(v).replaceAll("<[^>]*>", "").replaceAll("\\s+", " ").strip();
            case "unique": {
                boolean cs = Py.truthy(arg(args, kw, 0, "case_sensitive", false));
                Object attribute = arg(args, kw, 1, "attribute", null);
                List<Object> out = new ArrayList<>();
                List<Object> seen = new ArrayList<>();
                for (Object x : iterable(v)) {
                    Object key = ignoreCase(attribute == null ? x : attrPath(x, attribute), cs);
                    if (seen.stream().noneMatch(s -> Py.eq(s, key))) { seen.add(key); out.add(x); }
                }
                return out;
            }
            case "wordcount": return (long) split(Py.str(v), null, -1).size();
            case "batch": {
                int n = (int) Py.toLong(args.get(0));
                if (n <= 0) throw new EvalError("batch size must be positive");
                List<Object> out = new ArrayList<>();
                List<Object> cur = new ArrayList<>();
                for (Object x : iterable(v)) { cur.add(x); if (cur.size() == n) { out.add(cur); cur = new ArrayList<>(); } }
                if (!cur.isEmpty()) {
                    if (args.size() > 1) while (cur.size() < n) cur.add(args.get(1));
                    out.add(cur);
                }
                return out;
            }
            default: throw new EvalError("no filter named '" + name + "'");
        }
    }

    // ---- tests -------------------------------------------------------------------------------

    static boolean test(String name, Object v, List<Object> args) {
        switch (name) {
            case "defined": return !(v instanceof Undefined);
            case "undefined": return v instanceof Undefined;
            case "none": return v == null;
            case "boolean": return v instanceof Boolean;
            case "false": return Boolean.FALSE.equals(v);
            case "true": return Boolean.TRUE.equals(v);
            case "integer": return v instanceof Long;
            case "float": return v instanceof Double;
            case "number": return Py.isNumber(v);
            case "string": return v instanceof String;
            case "mapping": return v instanceof Map;
            case "iterable": return v instanceof List || v instanceof Map || v instanceof String || v instanceof Undefined;
            case "sequence": return v instanceof List || v instanceof Map || v instanceof String;
            case "callable": return v instanceof Fn || (v instanceof Interpreter.Loop l && l.recurse != null);
            case "sameas": return v == args.get(0) || (v instanceof Boolean && v.equals(args.get(0)));
            case "equalto", "eq", "==": return Py.eq(v, args.get(0));
            case "ne", "!=": return !Py.eq(v, args.get(0));
            case "lt", "<", "lessthan": return Py.compare(v, args.get(0), "<") < 0;
            case "le", "<=": return Py.compare(v, args.get(0), "<=") <= 0;
            case "gt", ">", "greaterthan": return Py.compare(v, args.get(0), ">") > 0;
            case "ge", ">=": return Py.compare(v, args.get(0), ">=") >= 0;
            case "in": return Py.contains(args.get(0), v);
            case "divisibleby": return Py.toLong(v) % Py.toLong(args.get(0)) == 0;
            case "even": return Py.toLong(v) % 2 == 0;
            case "odd": return Py.toLong(v) % 2 != 0;
            case "lower": return v instanceof String s && s.equals(s.toLowerCase(Locale.ROOT));
            case "upper": return v instanceof String s && s.equals(s.toUpperCase(Locale.ROOT));
            case "escaped": return false;
            case "filter": return FILTERS.contains(Py.str(v));
            case "test": return TESTS.contains(Py.str(v));
            default: throw new EvalError("no test named '" + name + "'");
        }
    }
}
