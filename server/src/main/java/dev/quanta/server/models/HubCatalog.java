package dev.quanta.server.models;

import dev.quanta.loader.hub.HubConfig;
import dev.quanta.loader.hub.ModelHub;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The models of the local caches ({@link ModelHub#list()}: the Hugging Face hub cache and quanta's URL
 * cache) as a server's catalog. Names are Ollama/Hugging Face style references without the {@code hf:}
 * prefix — {@code OWNER/REPO:QUANT}, or {@code OWNER/REPO/FILE.gguf} where the quantization does not tell
 * the repository's files apart, with {@code @COMMIT} for a snapshot that is not {@code main} — and a request
 * may also write {@code hf:OWNER/REPO:QUANT}, {@code hf.co/OWNER/REPO:QUANT} (as Ollama does), or
 * {@code OWNER/REPO} (any of the three spellings) for the repository's Q4_K_M model or its only one. A URL download is named by its
 * file name without {@code .gguf}, or by its URL.
 */
public final class HubCatalog implements Supplier<List<ServedModel>> {
    private final HubConfig config;

    public HubCatalog(HubConfig config) {
        this.config = config.withOffline(true);
    }

    @Override
    public List<ServedModel> get() {
        List<ModelHub.CachedModel> cached;
        try (ModelHub hub = new ModelHub(config, dev.quanta.loader.hub.DownloadListener.NONE)) {
            cached = hub.list();
        }
        Map<String, Integer> perRepo = new HashMap<>();
        for (ModelHub.CachedModel c : cached) {
            String repo = repoOf(c.ref());
            if (repo != null) perRepo.merge(repo.toLowerCase(Locale.ROOT), 1, Integer::sum);
        }
        List<ServedModel> out = new ArrayList<>();
        for (ModelHub.CachedModel c : cached) {
            List<String> aliases = new ArrayList<>();
            String id;
            if (c.ref().startsWith("hf:")) {
                id = c.ref().substring(3);
                aliases.add(c.ref());
                aliases.add("hf.co/" + id);
                String repo = repoOf(c.ref());
                if (repo != null && !id.contains("@")
                        && (perRepo.get(repo.toLowerCase(Locale.ROOT)) == 1 || "Q4_K_M".equalsIgnoreCase(c.quant()))) {
                    aliases.add(repo);
                    aliases.add("hf:" + repo);
                    aliases.add("hf.co/" + repo);
                }
            } else {
                String file = c.path().getFileName().toString();
                id = file.toLowerCase(Locale.ROOT).endsWith(".gguf") ? file.substring(0, file.length() - 5) : file;
                aliases.add(c.ref());
            }
            Instant modified;
            try {
                modified = Files.getLastModifiedTime(c.path()).toInstant();
            } catch (IOException e) {
                modified = Instant.EPOCH;
            }
            out.add(new ServedModel(id, aliases, c.path(), c.size(), modified, c.arch(), c.quant()));
        }
        return out;
    }

    /** OWNER/REPO of an {@code hf:} reference, or null. */
    private static String repoOf(String ref) {
        if (!ref.startsWith("hf:")) return null;
        String[] p = ref.substring(3).split("[/:@]", 3);
        return p.length >= 2 ? p[0] + "/" + p[1] : null;
    }
}
