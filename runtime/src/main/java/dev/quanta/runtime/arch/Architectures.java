package dev.quanta.runtime.arch;

import dev.quanta.runtime.QuantaException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The architecture families Quanta can run, by {@code general.architecture}. */
public final class Architectures {
    private static final Map<String, Architecture> BY_NAME = new LinkedHashMap<>();

    static {
        register(new LlamaArchitecture());
        register(new Qwen2Architecture());
        register(new Qwen3Architecture());
        register(new Phi3Architecture());
        register(new Gemma2Architecture());
        register(new Gemma3Architecture());
    }

    private Architectures() {}

    private static void register(Architecture a) {
        BY_NAME.put(a.name(), a);
    }

    /** Names of the supported architectures, in registration order. */
    public static List<String> supported() {
        return List.copyOf(BY_NAME.keySet());
    }

    public static boolean isSupported(String arch) {
        return BY_NAME.containsKey(arch);
    }

    /** Every registered family, in registration order. */
    public static List<Architecture> all() {
        return List.copyOf(BY_NAME.values());
    }

    /** The family for {@code arch}; a {@link QuantaException} naming it and listing the supported ones otherwise. */
    public static Architecture forName(String arch, Path file) {
        Architecture a = BY_NAME.get(arch);
        if (a == null)
            throw new QuantaException(file + ": unsupported architecture '" + arch + "' (supported: "
                    + String.join(", ", supported()) + ")");
        return a;
    }
}
