package dev.quanta.server.models;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A model clients can name.
 *
 * @param id       the name listed by /v1/models and /api/tags, and sent back in answers
 * @param aliases  other names a request may use for it (compared ignoring case)
 * @param path     the GGUF file (the first part of a split model)
 * @param size     bytes on disk, all parts
 * @param modified when the file was last modified
 * @param arch     general.architecture, or "?" when unknown
 * @param quant    the quantization (Q4_K_M, F16...), or "?" when unknown
 */
public record ServedModel(String id, List<String> aliases, Path path, long size, Instant modified, String arch, String quant) {
    public ServedModel {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(path, "path");
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
        if (modified == null) modified = Instant.EPOCH;
        if (arch == null) arch = "?";
        if (quant == null) quant = "?";
    }

    /**
     * Whether a request naming {@code name} means this model: the id or an alias, ignoring case, with or
     * without Ollama's {@code :latest} tag.
     */
    public boolean answersTo(String name) {
        if (name == null) return false;
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (matches(n)) return true;
        return n.endsWith(":latest") && matches(n.substring(0, n.length() - ":latest".length()));
    }

    private boolean matches(String n) {
        if (id.toLowerCase(Locale.ROOT).equals(n)) return true;
        for (String a : aliases) if (a.toLowerCase(Locale.ROOT).equals(n)) return true;
        return false;
    }
}
