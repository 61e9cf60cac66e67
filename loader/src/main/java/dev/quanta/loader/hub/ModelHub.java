package dev.quanta.loader.hub;

import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufMetadata;
import dev.quanta.loader.gguf.GgufValue;
import dev.quanta.loader.hub.HubClient.Expected;
import dev.quanta.loader.hub.HubClient.RepoFile;
import dev.quanta.loader.hub.HubClient.RepoInfo;
import dev.quanta.loader.hub.HubClient.Target;
import dev.quanta.loader.hub.QuantSelector.ModelFiles;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * Models by reference ({@link ModelReference}): pulled from a Hugging Face hub into the shared Hugging Face
 * cache ({@link HubCache}), found there offline, listed and removed. Plain URLs are kept under
 * {@code QUANTA_CACHE/url/HASH/FILE}.
 *
 * <pre>{@code
 * try (ModelHub hub = new ModelHub(HubConfig.fromEnvironment(), ProgressBar.stderr())) {
 *     Path gguf = hub.resolve("hf:bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M").primary();
 * }
 * }</pre>
 */
public final class ModelHub implements AutoCloseable {
    private final HubConfig cfg;
    private final HubCache cache;
    private final DownloadListener listener;
    private HubClient client;

    /**
     * A model on disk.
     *
     * @param ref     the reference it was found by, written canonically
     * @param primary the file to open (the first part of a split model)
     * @param files   every file, in part order
     * @param quant   the quantization from the file name, or null
     */
    public record Model(String ref, Path primary, List<Path> files, String quant) {
        public Model {
            files = List.copyOf(files);
        }
    }

    /** A model found in the caches by {@link #list()}. */
    public record CachedModel(String ref, String quant, long size, String arch, Path path, int parts) {}

    /** What {@link #remove} removed. */
    public record Removed(String what, List<String> files, long freedBytes) {}

    public ModelHub(HubConfig cfg, DownloadListener listener) {
        this.cfg = cfg;
        this.cache = new HubCache(cfg.hubCache());
        this.listener = listener;
    }

    public HubConfig config() { return cfg; }

    public HubCache cache() { return cache; }

    public ModelReference parse(String ref) {
        return ModelReference.parse(ref, cfg.endpoint());
    }

    /**
     * The model a reference names: from the cache when it is there (no network), else pulled — unless offline,
     * when a model missing from the cache is an error.
     */
    public Model resolve(String ref) {
        ModelReference r = parse(ref);
        Optional<Model> c = cached(r, !cfg.offline());
        if (c.isPresent()) return c.get();
        if (cfg.offline()) throw notCached(r);
        return pull(r);
    }

    /** Fetches the model from its source (only what the cache lacks) and returns it. Offline: {@link #resolve}. */
    public Model pull(ModelReference r) {
        if (cfg.offline()) return cached(r, false).orElseThrow(() -> notCached(r));
        return switch (r) {
            case ModelReference.Hf hf -> pullHf(hf);
            case ModelReference.Url u -> pullUrl(u);
        };
    }

    // ---------------------------------------------------------------------------------------------- Hugging Face

    private Model pullHf(ModelReference.Hf r) {
        String what = "hf:" + r.repo();
        RepoInfo info = client().repoInfo(r.repo(), r.revision());
        ModelFiles mf;
        if (r.file() != null) {
            mf = QuantSelector.forFile(info.paths(), r.file());
            if (mf == null) {
                List<ModelFiles> ms = QuantSelector.models(info.paths());
                throw new HubException("file " + r.file() + " not found in " + r.repo() + " at revision " + r.revision()
                        + (ms.isEmpty() ? "; it has no GGUF files" : "; its GGUF models: " + QuantSelector.choices(ms)));
            }
        } else {
            QuantSelector.Selection s = QuantSelector.select(QuantSelector.models(info.paths()), r.quant(), what);
            if (s.note() != null) listener.note(s.note());
            mf = s.model();
        }
        if (!mf.complete())
            throw new HubException(r.repo() + " holds only " + mf.parts().size() + " of the " + mf.partCount() + " parts of " + mf.primary());
        checkTotalSpace(r.repo(), info, mf);
        List<Path> files = new ArrayList<>();
        try {
            for (String part : mf.parts()) files.add(fetch(r, info, part));
            cache.writeRef(r.repo(), r.revision(), info.commit());
        } catch (IOException e) {
            throw new HubException("cannot write to the cache " + cache.repoFolder(r.repo()) + ": " + e.getMessage(), e);
        } finally {
            pruneEmpty(r.repo());
        }
        return new Model(canonical(r, mf), files.getFirst(), files, mf.quant());
    }

    /** One repository file into the cache (unless there already) and its snapshot link. */
    private Path fetch(ModelReference.Hf r, RepoInfo info, String path) throws IOException {
        RepoFile rf = info.file(path);
        Target t = new Target(r.repo(), path, r.revision(), null);
        URI url = client().resolveUrl(r.repo(), info.commit(), path);
        Expected exp;
        String etag = rf.etag();
        if (etag == null) {
            exp = client().probe(url, true, new Target(r.repo(), path, r.revision(), url));
            etag = exp.sha256() != null ? exp.sha256() : exp.gitSha1();
            if (etag == null) throw new HubException("the hub gives no checksum for " + r.repo() + "/" + path);
        } else {
            String git = rf.sha256() == null && rf.blobId() != null && HubCache.COMMIT.matcher(rf.blobId()).matches() ? rf.blobId() : null;
            exp = new Expected(rf.size(), rf.sha256(), git);
        }
        Path link = cache.snapshot(r.repo(), info.commit(), path);
        if (Files.isRegularFile(link) && (exp.size() < 0 || Files.size(link) == exp.size())) return link;
        Path blob = cache.blob(r.repo(), etag);
        Files.createDirectories(blob.getParent());
        Path lock = cache.lockFile(r.repo(), etag);
        Files.createDirectories(lock.getParent());
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            if (!(Files.isRegularFile(blob) && (exp.size() < 0 || Files.size(blob) == exp.size()))) {
                client().download(url, true, cache.incomplete(r.repo(), etag), blob, exp,
                        new Target(r.repo(), path, r.revision(), url), path, listener);
            }
            cache.link(r.repo(), info.commit(), path, etag);
        } finally {
            Files.deleteIfExists(lock);
            deleteIfEmpty(lock.getParent());
            deleteIfEmpty(lock.getParent().getParent());
        }
        return link;
    }

    private void checkTotalSpace(String repo, RepoInfo info, ModelFiles mf) {
        long needed = 0;
        for (String p : mf.parts()) {
            RepoFile rf = info.file(p);
            if (rf.size() < 0 || rf.etag() == null) continue;
            if (Files.isRegularFile(cache.snapshot(repo, info.commit(), p)) || Files.isRegularFile(cache.blob(repo, rf.etag()))) continue;
            needed += rf.size() - HubClient.sizeOr0(cache.incomplete(repo, rf.etag()));
        }
        if (needed <= 0) return;
        Path blobs = cache.repoFolder(repo).resolve("blobs");
        try {
            Files.createDirectories(blobs);
            long free = cfg.freeSpace().usableBytes(blobs);
            if (free < needed)
                throw HubClient.diskFull(blobs, needed, free, new Target(repo, mf.label(), "main", null));
        } catch (IOException e) {
            throw new HubException("cannot create the cache folder " + blobs + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------------------------ plain URLs

    private Path urlFolder(URI u) {
        return cfg.urlCache().resolve("url").resolve(sha256(u.toString()).substring(0, 16));
    }

    /** The URLs and file names of a URL's model: itself, or every part when it names a split file. */
    private static List<String[]> urlParts(ModelReference.Url u) {
        String name = u.fileName();
        Matcher m = QuantSelector.SPLIT.matcher(name);
        List<String[]> out = new ArrayList<>();
        if (m.matches() && Integer.parseInt(m.group(3)) > 1) {
            int count = Integer.parseInt(m.group(3));
            String s = u.uri().toString();
            int cut = s.lastIndexOf(name);
            for (int i = 1; i <= count; i++) {
                String partName = String.format("%s-%05d-of-%05d.gguf", m.group(1), i, count);
                out.add(new String[] {s.substring(0, cut) + partName + s.substring(cut + name.length()), partName});
            }
        } else {
            out.add(new String[] {u.uri().toString(), name});
        }
        return out;
    }

    private Model pullUrl(ModelReference.Url u) {
        Path dir = urlFolder(u.uri());
        List<Path> files = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("source.url"), u.uri().toString(), StandardCharsets.UTF_8);
            for (String[] p : urlParts(u)) {
                Path dest = dir.resolve(p[1]);
                if (!Files.isRegularFile(dest)) {
                    URI partUri = URI.create(p[0]);
                    client().download(partUri, false, dir.resolve(p[1] + ".incomplete"), dest, Expected.NOTHING,
                            new Target(null, null, null, partUri), p[1], listener);
                }
                files.add(dest);
            }
        } catch (IOException e) {
            throw new HubException("cannot write to " + dir + ": " + e.getMessage(), e);
        }
        return new Model(u.toString(), files.getFirst(), files, QuantSelector.quantOf(u.fileName()));
    }

    // --------------------------------------------------------------------------------------------------- offline

    /**
     * The model as the cache has it, without the network. {@code strict}: the tag must match exactly (no
     * fallback from Q4_K_M to another file), as when the hub could still be asked.
     */
    public Optional<Model> cached(ModelReference r, boolean strict) {
        return switch (r) {
            case ModelReference.Url u -> {
                List<Path> files = new ArrayList<>();
                for (String[] p : urlParts(u)) files.add(urlFolder(u.uri()).resolve(p[1]));
                yield files.stream().allMatch(Files::isRegularFile)
                        ? Optional.of(new Model(u.toString(), files.getFirst(), files, QuantSelector.quantOf(u.fileName())))
                        : Optional.empty();
            }
            case ModelReference.Hf hf -> cachedHf(hf, strict);
        };
    }

    private Optional<Model> cachedHf(ModelReference.Hf r, boolean strict) {
        String commit = cache.commitOf(r.repo(), r.revision());
        if (commit == null) return Optional.empty();
        List<String> paths = cache.snapshotFiles(r.repo(), commit);
        ModelFiles mf;
        if (r.file() != null) {
            mf = QuantSelector.forFile(paths, r.file());
        } else {
            List<ModelFiles> ms = QuantSelector.models(paths).stream().filter(ModelFiles::complete).toList();
            if (ms.isEmpty()) return Optional.empty();
            String what = "hf:" + r.repo();
            if (strict || r.quant() != null) {
                mf = QuantSelector.find(ms, r.quant() == null ? QuantSelector.DEFAULT_QUANT : r.quant(), what);
                if (mf != null && r.quant() == null && !QuantSelector.DEFAULT_QUANT.equals(mf.quant())) mf = null;
            } else {
                QuantSelector.Selection s = QuantSelector.select(ms, null, what + " (cached)");
                if (s.note() != null) listener.note(s.note());
                mf = s.model();
            }
        }
        if (mf == null || !mf.complete()) return Optional.empty();
        List<Path> files = new ArrayList<>();
        for (String p : mf.parts()) files.add(cache.snapshot(r.repo(), commit, p));
        return Optional.of(new Model(canonical(r, mf), files.getFirst(), files, mf.quant()));
    }

    private HubException notCached(ModelReference r) {
        String where = r instanceof ModelReference.Hf ? cache.root().toString() : cfg.urlCache().resolve("url").toString();
        StringBuilder b = new StringBuilder(r + " is not in the cache (" + where + ") and offline mode is on");
        if (r instanceof ModelReference.Hf hf) {
            List<String> have = new ArrayList<>();
            for (CachedModel m : list()) if (m.ref().startsWith("hf:" + hf.repo() + ":") || m.ref().startsWith("hf:" + hf.repo() + "/")) have.add(m.ref());
            if (!have.isEmpty()) b.append("; cached from that repository: ").append(String.join(", ", have));
        }
        return new HubException(b.toString());
    }

    // ----------------------------------------------------------------------------------------------- list and rm

    /** Every GGUF model in the Hugging Face cache and the URL cache (split models as one entry). */
    public List<CachedModel> list() {
        List<CachedModel> out = new ArrayList<>();
        for (String repo : cache.repos()) {
            String main = cache.commitOf(repo, "main");
            List<String> commits = new ArrayList<>(cache.snapshots(repo));
            if (main != null && commits.remove(main)) commits.addFirst(main);
            Set<String> seen = new LinkedHashSet<>();
            List<ModelFiles> all = new ArrayList<>();
            List<String> allCommits = new ArrayList<>();
            for (String c : commits) {
                for (ModelFiles mf : QuantSelector.models(cache.snapshotFiles(repo, c))) {
                    if (!mf.complete() || !seen.add(mf.primary())) continue;
                    all.add(mf);
                    allCommits.add(c);
                }
            }
            for (int i = 0; i < all.size(); i++) {
                ModelFiles mf = all.get(i);
                String c = allCommits.get(i);
                long sameQuant = all.stream().filter(o -> o.quant() != null && o.quant().equals(mf.quant())).count();
                String ref = "hf:" + repo + (mf.quant() != null && sameQuant == 1 ? ":" + mf.quant() : "/" + mf.primary())
                        + (c.equals(main) ? "" : "@" + c);
                List<Path> files = mf.parts().stream().map(p -> cache.snapshot(repo, c, p)).toList();
                out.add(describe(ref, mf.quant(), files));
            }
        }
        Path urls = cfg.urlCache().resolve("url");
        if (Files.isDirectory(urls)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(urls, Files::isDirectory)) {
                for (Path dir : ds) {
                    Path src = dir.resolve("source.url");
                    if (!Files.isRegularFile(src)) continue;
                    String url = Files.readString(src, StandardCharsets.UTF_8).trim();
                    List<String> names = new ArrayList<>();
                    try (DirectoryStream<Path> fs = Files.newDirectoryStream(dir, "*.gguf")) {
                        for (Path f : fs) names.add(f.getFileName().toString());
                    }
                    for (ModelFiles mf : QuantSelector.models(names)) {
                        if (!mf.complete()) continue;
                        out.add(describe(url, mf.quant(), mf.parts().stream().map(dir::resolve).toList()));
                    }
                }
            } catch (IOException e) {
                throw new HubException("cannot read " + urls + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static CachedModel describe(String ref, String quant, List<Path> files) {
        long size = 0;
        for (Path f : files) size += HubClient.sizeOr0(f);
        String arch = "?";
        try (GgufFile g = GgufFile.open(files.getFirst())) {
            GgufMetadata m = g.metadata();
            arch = m.optString("general.architecture").orElse("?");
            if (quant == null) {
                GgufValue ft = m.get("general.file_type");
                if (ft != null && ft.value() instanceof Number n) quant = fileTypeName(n.intValue());
            }
        } catch (RuntimeException e) {
            arch = "? (unreadable)";
        }
        return new CachedModel(ref, quant == null ? "?" : quant, size, arch, files.getFirst(), files.size());
    }

    /** llama.cpp's {@code llama_ftype} names (general.file_type), for files whose name carries no quant. */
    static String fileTypeName(int ft) {
        return switch (ft) {
            case 0 -> "F32"; case 1 -> "F16"; case 2 -> "Q4_0"; case 3 -> "Q4_1"; case 7 -> "Q8_0"; case 8 -> "Q5_0";
            case 9 -> "Q5_1"; case 10 -> "Q2_K"; case 11 -> "Q3_K_S"; case 12 -> "Q3_K_M"; case 13 -> "Q3_K_L";
            case 14 -> "Q4_K_S"; case 15 -> "Q4_K_M"; case 16 -> "Q5_K_S"; case 17 -> "Q5_K_M"; case 18 -> "Q6_K";
            case 19 -> "IQ2_XXS"; case 20 -> "IQ2_XS"; case 21 -> "Q2_K_S"; case 22 -> "IQ3_XS"; case 23 -> "IQ3_XXS";
            case 24 -> "IQ1_S"; case 25 -> "IQ4_NL"; case 26 -> "IQ3_S"; case 27 -> "IQ3_M"; case 28 -> "IQ2_S";
            case 29 -> "IQ2_M"; case 30 -> "IQ4_XS"; case 31 -> "IQ1_M"; case 32 -> "BF16"; case 36 -> "TQ1_0";
            case 37 -> "TQ2_0"; case 38 -> "MXFP4_MOE";
            default -> null;
        };
    }

    /**
     * Removes a model from the cache: the files the reference names (in every snapshot) and the blobs no
     * other file uses. {@code hf:OWNER/REPO} without a tag removes the repository's only cached model, and is an
     * error listing them when there are several; {@code all} removes the whole repository folder.
     */
    public Removed remove(ModelReference r, boolean all) {
        try {
            if (r instanceof ModelReference.Url u) {
                Path dir = urlFolder(u.uri());
                if (!Files.isDirectory(dir)) throw new HubException(u + " is not in the cache (" + cfg.urlCache().resolve("url") + ")");
                long freed = HubCache.treeSize(dir);
                HubCache.deleteTree(dir);
                return new Removed(u.toString(), List.of(dir.toString()), freed);
            }
            ModelReference.Hf hf = (ModelReference.Hf) r;
            String what = "hf:" + hf.repo();
            if (!Files.isDirectory(cache.repoFolder(hf.repo())))
                throw new HubException(what + " is not in the cache (" + cache.root() + ")");
            if (all) return new Removed(what, List.of(cache.repoFolder(hf.repo()).toString()), cache.removeRepo(hf.repo()));
            Set<String> paths = new LinkedHashSet<>();
            for (String c : cache.snapshots(hf.repo())) paths.addAll(cache.snapshotFiles(hf.repo(), c));
            List<ModelFiles> ms = QuantSelector.models(paths);
            ModelFiles mf;
            if (hf.file() != null) {
                mf = QuantSelector.forFile(paths, hf.file());
            } else if (hf.quant() != null) {
                mf = QuantSelector.find(ms, hf.quant(), what);
            } else if (ms.size() == 1) {
                mf = ms.getFirst();
            } else if (ms.isEmpty()) {
                mf = null;
            } else {
                throw new HubException(what + " has " + ms.size() + " models cached: " + QuantSelector.choices(ms)
                        + "; name one with " + what + ":QUANT or " + what + "/FILE.gguf, or remove them all with --all");
            }
            if (mf == null)
                throw new HubException(r + " is not in the cache (" + cache.root() + ")"
                        + (ms.isEmpty() ? "" : "; cached: " + QuantSelector.choices(ms)));
            long freed = cache.remove(hf.repo(), mf.parts());
            return new Removed(canonical(hf, mf), mf.parts(), freed);
        } catch (IOException e) {
            throw new HubException("cannot remove " + r + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private static String canonical(ModelReference.Hf r, ModelFiles mf) {
        String rev = "main".equals(r.revision()) ? "" : "@" + r.revision();
        return "hf:" + r.repo() + "/" + mf.primary() + rev;
    }

    private void pruneEmpty(String repo) {
        Path f = cache.repoFolder(repo);
        for (String sub : new String[] {"blobs", "snapshots", "refs"}) deleteIfEmpty(f.resolve(sub));
        deleteIfEmpty(f);
    }

    private static void deleteIfEmpty(Path dir) {
        if (!Files.isDirectory(dir)) return;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            if (ds.iterator().hasNext()) return;
        } catch (IOException e) {
            return;
        }
        try {
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // not empty after all, or in use: it stays
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private HubClient client() {
        if (cfg.offline()) throw new IllegalStateException("offline: no network access");
        if (client == null) client = new HubClient(cfg);
        return client;
    }

    @Override
    public void close() {
        if (client != null) client.close();
    }
}
