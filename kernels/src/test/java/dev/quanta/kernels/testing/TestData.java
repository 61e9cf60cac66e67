package dev.quanta.kernels.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Locates {@code ../shared/testdata} (real files no one here wrote). The build passes its place
 * as the system property {@code quanta.shared}; tests that need a file call {@link #require}, which
 * skips the test with a printed reason when the folder is absent (a fresh clone elsewhere).
 */
public final class TestData {
    private TestData() {}

    /** The shared folder, or null when it is not there. */
    public static Path sharedRoot() {
        String p = System.getProperty("quanta.shared");
        Path root = p != null ? Path.of(p) : Path.of("..", "shared");
        if (Files.isDirectory(root.resolve("testdata"))) return root.toAbsolutePath().normalize();
        Path alt = Path.of("..", "..", "shared");
        return Files.isDirectory(alt.resolve("testdata")) ? alt.toAbsolutePath().normalize() : null;
    }

    /** {@code testdata/<relative>}; skips the calling test, saying why, when it is absent. */
    public static Path require(String relative) {
        Path root = sharedRoot();
        String reason = "skipped: ../shared/testdata/" + relative + " is not present (run from a checkout with ../shared beside it)";
        if (root == null) {
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        Path f = root.resolve("testdata").resolve(relative);
        if (!Files.exists(f)) {
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        return f;
    }

    /** A seed for randomized tests: -Dquanta.seed=N or a fixed default; always printed. */
    public static long seed(String testName, long dflt) {
        long s = Long.getLong("quanta.seed", dflt);
        System.out.println(testName + ": seed " + s + " (rerun with -Dquanta.seed=" + s + ")");
        return s;
    }
}
