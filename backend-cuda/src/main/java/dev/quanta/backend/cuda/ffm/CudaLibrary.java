package dev.quanta.backend.cuda.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;

/**
 * Loads the CUDA driver library once and says whether it is there. Nothing here throws: a missing
 * library is an {@link #reason()} string ("libcuda.so.1 not found") for hardware detection to report.
 */
public final class CudaLibrary {
    private static final SymbolLookup LOOKUP;
    private static final String REASON;

    static {
        SymbolLookup l = null;
        String reason = null;
        String os = System.getProperty("os.name", "").toLowerCase();
        String name = os.contains("win") ? "nvcuda.dll" : "libcuda.so.1";
        if (os.contains("mac")) {
            reason = "CUDA is not available on macOS";
        } else if (!CudaLibrary.class.getModule().isNativeAccessEnabled()) {
            reason = "native access is disabled: add --enable-native-access=ALL-UNNAMED to the JVM flags";
        } else {
            try {
                l = SymbolLookup.libraryLookup(name, Arena.global());
            } catch (IllegalArgumentException e) {
                reason = name + " not found (no NVIDIA driver installed)";
            } catch (IllegalCallerException e) {
                reason = "native access is disabled: add --enable-native-access=ALL-UNNAMED to the JVM flags";
            }
        }
        LOOKUP = l;
        REASON = reason;
    }

    private CudaLibrary() {}

    public static boolean available() {
        return LOOKUP != null;
    }

    /** Why the library is unavailable; null when it is available. */
    public static String reason() {
        return REASON;
    }

    static SymbolLookup lookup() {
        if (LOOKUP == null) throw new IllegalStateException(REASON);
        return LOOKUP;
    }
}
