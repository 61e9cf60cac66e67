package dev.quanta.hwdetect;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks the JVM flags every launch path needs; each problem is one line naming the flag.
 * Without {@code --enable-native-access} the FFM backends print warnings (and will be refused by
 * future JDKs); without {@code --add-modules jdk.incubator.vector} the CPU backend falls back to
 * scalar code.
 */
public final class JvmFlags {
    private JvmFlags() {}

    public static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    public static final String VECTOR = "--add-modules jdk.incubator.vector";

    /** One line per missing flag; empty when the JVM runs with everything. */
    public static List<String> problems() {
        List<String> out = new ArrayList<>();
        if (!JvmFlags.class.getModule().isNativeAccessEnabled())
            out.add("JVM flag missing: " + NATIVE_ACCESS + " (native backends need it: OpenCL, CUDA)");
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty())
            out.add("JVM flag missing: " + VECTOR + " (the CPU backend runs scalar code without it)");
        return out;
    }
}
