package dev.quanta.runtime.text;

import java.util.List;

/**
 * Watches streamed text for stop strings. {@link #push} returns the text that is safe to show: text
 * that might be the start of a stop string is held back until it is decided. Once a stop string is
 * seen, {@link #stopped()} is true and nothing from the stop string on is ever returned.
 */
public final class StopMatcher {
    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private String matched;

    public StopMatcher(List<String> stops) {
        this.stops = stops == null ? List.of() : stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** Adds generated text; returns what can be emitted now. */
    public String push(String text) {
        if (matched != null) return "";
        held.append(text);
        int cut = -1;
        for (String s : stops) {
            int i = held.indexOf(s);
            if (i >= 0 && (cut < 0 || i < cut)) {
                cut = i;
                matched = s;
            }
        }
        if (cut >= 0) {
            String out = held.substring(0, cut);
            held.setLength(0);
            return out;
        }
        int keep = 0;
        for (String s : stops) keep = Math.max(keep, partialSuffix(held, s));
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return out;
    }

    /** The held-back text, at the end of generation (when no stop string completed). */
    public String flush() {
        if (matched != null) return "";
        String out = held.toString();
        held.setLength(0);
        return out;
    }

    public boolean stopped() {
        return matched != null;
    }

    /** The stop string that ended generation, or null. */
    public String matched() {
        return matched;
    }

    /** Longest suffix of {@code text} that is a proper prefix of {@code stop}. */
    static int partialSuffix(CharSequence text, String stop) {
        int max = Math.min(text.length(), stop.length() - 1);
        for (int len = max; len > 0; len--) {
            boolean ok = true;
            for (int i = 0; i < len && ok; i++) ok = text.charAt(text.length() - len + i) == stop.charAt(i);
            if (ok) return len;
        }
        return 0;
    }
}
