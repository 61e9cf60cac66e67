package dev.quanta.loader.hub;

/** Told how a download goes; {@link ProgressBar} draws it. Calls come from the downloading thread. */
public interface DownloadListener {
    /** A file starts (or resumes): {@code total} bytes in all (-1 unknown), {@code already} of them on disk. */
    default void start(String name, long total, long already) {}

    /** {@code done} of {@code total} bytes are on disk (called often; throttle drawing). */
    default void progress(long done, long total) {}

    /** The file is complete and, when the source gave a checksum, verified. */
    default void finish(String name, long total) {}

    /** Something the user should know (a retry, a fallback choice). */
    default void note(String message) {}

    /** Ignores everything. */
    DownloadListener NONE = new DownloadListener() {};
}
