package dev.quanta.cli;

import dev.quanta.loader.hub.DownloadListener;
import dev.quanta.loader.hub.HubConfig;
import dev.quanta.loader.hub.HubException;
import dev.quanta.loader.hub.ModelHub;
import dev.quanta.loader.hub.ModelReference;
import dev.quanta.loader.hub.ProgressBar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Turns what a user typed where a model is expected into a local GGUF file. Every command that takes a model
 * path ({@code run}, {@code serve}, {@code bench}, {@code info}, ...) calls {@link #resolve(String, boolean)}:
 * <ul>
 *   <li>a plain path is returned as is (an error when it does not exist);</li>
 *   <li>{@code hf:OWNER/REPO[:QUANT]}, {@code hf:OWNER/REPO/FILE.gguf} or an https URL is looked up in the
 *       Hugging Face cache and pulled when missing (progress on stderr), unless {@code offline}.</li>
 * </ul>
 * For a split model the first part is returned (the loader finds the others beside it).
 */
public final class ModelRef {
    private ModelRef() {}

    /** Where the configuration comes from; tests replace it. */
    static Supplier<HubConfig> config = HubConfig::fromEnvironment;

    /** Resolves a path or reference with the environment's hub settings (HF_HOME, HF_ENDPOINT, HF_TOKEN...). */
    public static Path resolve(String pathOrRef, boolean offline) {
        return resolve(pathOrRef, offline, ProgressBar.stderr());
    }

    /** As {@link #resolve(String, boolean)}, reporting download progress to {@code listener}. */
    public static Path resolve(String pathOrRef, boolean offline, DownloadListener listener) {
        if (pathOrRef == null || pathOrRef.isBlank()) throw new HubException("no model given (a GGUF path, or hf:OWNER/REPO[:QUANT])");
        if (!ModelReference.isReference(pathOrRef)) {
            Path p = Path.of(pathOrRef);
            if (!Files.exists(p))
                throw new HubException("model file not found: " + p + " (give a GGUF file, or a reference such as hf:OWNER/REPO[:QUANT])");
            if (Files.isDirectory(p)) throw new HubException(p + " is a folder, not a GGUF file");
            return p;
        }
        try (ModelHub hub = hub(offline, listener)) {
            return hub.resolve(pathOrRef).primary();
        }
    }

    /** Whether {@code s} is written as a reference rather than a path. */
    public static boolean isReference(String s) {
        return ModelReference.isReference(s);
    }

    /** A hub with the current configuration; {@code offline} forces offline mode (HF_HUB_OFFLINE=1 does too). */
    static ModelHub hub(boolean offline, DownloadListener listener) {
        HubConfig c = config.get();
        return new ModelHub(offline ? c.withOffline(true) : c, listener);
    }
}
