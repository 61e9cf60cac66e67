package dev.quanta.backend.opencl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * On-disk cache of built program binaries, keyed by a SHA-256 of the source, the build options and
 * the device (platform, name, device and driver versions): a second start loads the binary instead
 * of compiling. The folder is the system property {@code quanta.opencl.cache}, else
 * {@code $XDG_CACHE_HOME/quanta/opencl} or {@code ~/.cache/quanta/opencl}. A cache that cannot be
 * read or written only costs a compile; a stale or foreign binary the driver rejects is rebuilt.
 */
public final class ProgramCache {
    private static final System.Logger LOG = System.getLogger(ProgramCache.class.getName());
    private final Path dir;

    public ProgramCache(Path dir) {
        this.dir = dir;
    }

    /** The cache at the configured default location. */
    public static ProgramCache defaultCache() {
        String prop = System.getProperty("quanta.opencl.cache");
        if (prop != null && !prop.isBlank()) return new ProgramCache(Path.of(prop));
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return new ProgramCache(base.resolve("quanta").resolve("opencl"));
    }

    public Path dir() {
        return dir;
    }

    /** The cache key of a program for {@code device}. */
    public static String key(ClDevice device, String source, String options) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String s : new String[] {device.platform().name(), device.platform().version(), device.name(),
                    device.version(), device.driverVersion(), options, source}) {
                md.update(s.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A built program: from the cached binary when one exists and loads, else compiled and then cached. */
    public ClProgram build(ClContext ctx, String source, String options) {
        String key = key(ctx.device(), source, options);
        Path file = dir.resolve(key + ".bin");
        if (Files.isRegularFile(file)) {
            try {
                byte[] bin = Files.readAllBytes(file);
                return ClProgram.fromBinary(ctx, bin, options);
            } catch (IOException | ClException e) {
                LOG.log(System.Logger.Level.DEBUG, "OpenCL program cache entry " + file + " unusable, rebuilding: " + e.getMessage());
            }
        }
        ClProgram p = ClProgram.fromSource(ctx, source, options);
        try {
            byte[] bin = p.binary();
            if (bin.length > 0) {
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, key, ".tmp");
                Files.write(tmp, bin);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "OpenCL program cache not written to " + dir + ": " + e.getMessage());
        }
        return p;
    }
}
