package dev.quanta.loader.hub;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A download progress bar on a terminal (stderr): name, percent, bar, bytes, speed and ETA, redrawn in place at
 * most ten times a second. When the stream is not a terminal it prints one line when a file starts and one
 * when it ends, so logs stay readable.
 */
public final class ProgressBar implements DownloadListener {
    private static final int BAR = 24;
    private final PrintStream out;
    private final boolean interactive;
    private String name = "";
    private long startNanos, lastDraw, startBytes;
    private double speed; // bytes/s, smoothed
    private long lastBytes, lastNanos;
    private int lastWidth;

    public ProgressBar(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    /** A bar on stderr, drawn in place when stderr is a terminal. */
    public static ProgressBar stderr() {
        return new ProgressBar(System.err, System.console() != null);
    }

    @Override
    public void start(String name, long total, long already) {
        this.name = name;
        startNanos = lastNanos = lastDraw = System.nanoTime();
        startBytes = lastBytes = already;
        speed = 0;
        if (!interactive) {
            out.println("downloading " + name + (total >= 0 ? " (" + human(total) + ")" : "")
                    + (already > 0 ? ", resuming at " + human(already) : ""));
            out.flush();
        }
    }

    @Override
    public void progress(long done, long total) {
        long now = System.nanoTime();
        if (now - lastNanos >= 200_000_000L) {
            double inst = (done - lastBytes) * 1e9 / (now - lastNanos);
            speed = speed == 0 ? inst : 0.7 * speed + 0.3 * inst;
            lastBytes = done;
            lastNanos = now;
        }
        if (interactive && now - lastDraw >= 100_000_000L) {
            lastDraw = now;
            draw(line(name, done, total, speed));
        }
    }

    @Override
    public void finish(String name, long total) {
        double secs = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        double avg = (total - startBytes) / secs;
        if (interactive) {
            draw(line(name, total, total, avg));
            out.println();
        } else {
            out.println("done " + name + " (" + human(total) + ", " + human((long) avg) + "/s)");
        }
        out.flush();
    }

    @Override
    public void note(String message) {
        if (interactive && lastWidth > 0) {
            out.print("\r" + " ".repeat(lastWidth) + "\r");
            lastWidth = 0;
        }
        out.println(message);
        out.flush();
    }

    private void draw(String s) {
        int pad = Math.max(0, lastWidth - s.length());
        out.print("\r" + s + " ".repeat(pad));
        out.flush();
        lastWidth = s.length();
    }

    /** One line of the bar: {@code name  42% [#####-----]  1.20 GiB / 2.86 GiB  35.1 MiB/s  ETA 0:48}. */
    public static String line(String name, long done, long total, double bytesPerSec) {
        StringBuilder b = new StringBuilder();
        String n = name.length() > 40 ? "…" + name.substring(name.length() - 39) : name;
        b.append(n).append("  ");
        if (total > 0) {
            double f = Math.min(1.0, (double) done / total);
            int filled = (int) Math.round(f * BAR);
            b.append(String.format(Locale.ROOT, "%3d%% [", (int) Math.floor(f * 100)))
                    .append("#".repeat(filled)).append("-".repeat(BAR - filled)).append("]  ")
                    .append(human(done)).append(" / ").append(human(total));
        } else {
            b.append(human(done));
        }
        if (bytesPerSec > 0) {
            b.append("  ").append(human((long) bytesPerSec)).append("/s");
            if (total > 0 && done < total) b.append("  ETA ").append(duration((long) Math.ceil((total - done) / bytesPerSec)));
        }
        return b.toString();
    }

    /** 1023 B, 1.5 KiB, 12.34 MiB, 4.07 GiB. */
    public static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        if (bytes < 1L << 20) return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        if (bytes < 1L << 30) return String.format(Locale.ROOT, "%.2f MiB", bytes / 1048576.0);
        return String.format(Locale.ROOT, "%.2f GiB", bytes / 1073741824.0);
    }

    /** 0:07, 12:30, 1:02:03. */
    static String duration(long s) {
        if (s >= 100 * 3600) return ">99h";
        long h = s / 3600, m = s / 60 % 60, sec = s % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec) : String.format(Locale.ROOT, "%d:%02d", m, sec);
    }
}
