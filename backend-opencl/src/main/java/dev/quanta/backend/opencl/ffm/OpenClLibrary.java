package dev.quanta.backend.opencl.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Holder of the OpenCL library lookup: {@link #available()} plus a one-line {@link #reason()} when
 * it could not be loaded. Nothing here throws at class initialization; touching {@link OpenCl}
 * (the raw handles) is only legal once {@link #available()} is true.
 *
 * <p>Library names tried, in order: the system property {@code quanta.opencl.library}, then per OS
 * {@code libOpenCL.so.1} / {@code libOpenCL.so} (Linux), the OpenCL framework (macOS),
 * {@code OpenCL.dll} (Windows).
 */
public final class OpenClLibrary {
    private static final SymbolLookup LOOKUP;
    private static final String REASON;
    private static final String LOADED;

    static {
        SymbolLookup found = null;
        String loaded = null;
        List<String> tried = new ArrayList<>();
        for (String name : candidates()) {
            try {
                found = SymbolLookup.libraryLookup(name, Arena.global());
                loaded = name;
                break;
            } catch (IllegalArgumentException | IllegalCallerException e) {
                tried.add(name);
            }
        }
        String reason = null;
        if (found == null) {
            reason = String.join(", ", tried) + " not found";
        } else if (found.find("clGetPlatformIDs").isEmpty()) {
            reason = loaded + " has no clGetPlatformIDs symbol";
            found = null;
        }
        LOOKUP = found;
        LOADED = loaded;
        REASON = reason;
    }

    private OpenClLibrary() {}

    private static List<String> candidates() {
        List<String> c = new ArrayList<>();
        String prop = System.getProperty("quanta.opencl.library");
        if (prop != null && !prop.isBlank()) c.add(prop);
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("mac")) {
            c.add("/System/Library/Frameworks/OpenCL.framework/OpenCL");
        } else if (os.contains("win")) {
            c.add("OpenCL.dll");
        } else {
            c.add("libOpenCL.so.1");
            c.add("libOpenCL.so");
        }
        return c;
    }

    /** True when the OpenCL library was found and exports the core entry points. */
    public static boolean available() {
        return LOOKUP != null;
    }

    /** Why the library is not available ("libOpenCL.so.1, libOpenCL.so not found"), or the library loaded. */
    public static String reason() {
        return REASON != null ? REASON : "loaded " + LOADED;
    }

    /** A downcall handle for {@code name}; throws when the library or the symbol is absent. */
    static MethodHandle handle(String name, FunctionDescriptor fd) {
        return find(name, fd).orElseThrow(() -> new UnsatisfiedLinkError("OpenCL symbol " + name + " not found: " + reason()));
    }

    /** A downcall handle for an optional symbol (e.g. an OpenCL 2.0 entry point), empty when absent. */
    static Optional<MethodHandle> find(String name, FunctionDescriptor fd) {
        if (LOOKUP == null) return Optional.empty();
        return LOOKUP.find(name).map(addr -> Linker.nativeLinker().downcallHandle(addr, fd));
    }
}
