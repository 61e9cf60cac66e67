package dev.quanta.bench.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory of this process from {@code /proc/self/status}: VmRSS and its parts RssAnon
 * (heap, KV cache, scratch) and RssFile (mapped model pages). All -1 where the file is absent
 * (not Linux).
 */
public record ProcMemory(long rssBytes, long rssAnonBytes, long rssFileBytes) {
    public static final ProcMemory UNKNOWN = new ProcMemory(-1, -1, -1);

    /** Reads the current figures. */
    public static ProcMemory now() {
        Path p = Path.of("/proc/self/status");
        if (!Files.isReadable(p)) return UNKNOWN;
        try {
            return parse(Files.readString(p));
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
    }

    /** Parses the text of a {@code /proc/PID/status} file (values in kB). */
    public static ProcMemory parse(String status) {
        long rss = -1, anon = -1, file = -1;
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) rss = kb(line);
            else if (line.startsWith("RssAnon:")) anon = kb(line);
            else if (line.startsWith("RssFile:")) file = kb(line);
        }
        return new ProcMemory(rss, anon, file);
    }

    private static long kb(String line) {
        String[] f = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        try {
            return Long.parseLong(f[0]) * 1024;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The larger of each figure. */
    public ProcMemory max(ProcMemory o) {
        return new ProcMemory(Math.max(rssBytes, o.rssBytes), Math.max(rssAnonBytes, o.rssAnonBytes), Math.max(rssFileBytes, o.rssFileBytes));
    }
}
