package dev.quanta.server.models;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keep-alive durations as Ollama takes them: a number of seconds ({@code 300}, {@code 0}, {@code -1}) or a Go
 * duration ({@code "5m"}, {@code "1h30m"}, {@code "10s"}, {@code "250ms"}). Zero unloads at once; any negative
 * value keeps the model loaded until the server stops.
 */
public final class KeepAlive {
    private KeepAlive() {}

    /** A negative duration: never unload. */
    public static final Duration FOREVER = Duration.ofSeconds(-1);

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

    /**
     * Parses {@code s}.
     *
     * @throws IllegalArgumentException with a message naming the value when it is neither
     */
    public static Duration parse(String s) {
        if (s == null || s.isBlank()) throw new IllegalArgumentException("empty keep-alive");
        String t = s.trim();
        boolean negative = t.startsWith("-");
        String body = negative || t.startsWith("+") ? t.substring(1) : t;
        try {
            if (body.matches("\\d+(\\.\\d*)?|\\.\\d+")) return sign(seconds(new BigDecimal(body)), negative);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("keep-alive '" + s + "' is too long");
        }
        Matcher m = PART.matcher(body);
        Duration d = Duration.ZERO;
        int at = 0;
        while (at < body.length() && m.find(at) && m.start() == at) {
            BigDecimal v = new BigDecimal(m.group(1));
            BigDecimal nanos = v.multiply(switch (m.group(2)) {
                case "ns" -> BigDecimal.ONE;
                case "us", "µs" -> BigDecimal.valueOf(1_000);
                case "ms" -> BigDecimal.valueOf(1_000_000);
                case "s" -> BigDecimal.valueOf(1_000_000_000L);
                case "m" -> BigDecimal.valueOf(60_000_000_000L);
                default -> BigDecimal.valueOf(3_600_000_000_000L);
            });
            if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 4)) > 0)
                throw new IllegalArgumentException("keep-alive '" + s + "' is too long");
            d = d.plusNanos(nanos.longValue());
            at = m.end();
        }
        if (at != body.length() || body.isEmpty())
            throw new IllegalArgumentException("keep-alive '" + s + "' is not a duration (e.g. 300, \"5m\", \"1h30m\", \"0\", \"-1\")");
        return sign(d, negative);
    }

    private static Duration seconds(BigDecimal v) {
        if (v.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 4_000_000_000L)) > 0) throw new ArithmeticException();
        return Duration.ofNanos(v.movePointRight(9).longValue());
    }

    private static Duration sign(Duration d, boolean negative) {
        if (!negative || d.isZero()) return d;
        return FOREVER;
    }
}
