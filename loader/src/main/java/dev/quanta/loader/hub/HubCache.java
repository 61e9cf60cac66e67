package dev.quanta.loader.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Hugging Face hub cache, laid out exactly as {@code huggingface_hub} lays it, so that files are shared
 * with {@code huggingface-cli}, transformers and everything else that uses it:
 * <pre>
 * HUB_CACHE/
 *   models--OWNER--REPO/
 *     blobs/SHA256                  the bytes of an LFS file, named by its sha256 (a git-sha1 for small files)
 *     blobs/SHA256.incomplete       a download in progress (resumable)
 *     refs/main                     the commit main pointed to at the last download (no newline)
 *     snapshots/COMMIT/PATH         relative symlink to ../../blobs/SHA256 (one more ../ per folder in PATH)
 *   .locks/models--OWNER--REPO/SHA256.lock
 * </pre>
 */
public final class HubCache {
    static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private final Path root;

    public HubCache(Path root) {
        this.root = root;
    }

    public Path root() { return root; }

    /** {@code models--OWNER--REPO}. */
    public static String folderName(String repo) {
        return "models--" + repo.replace("/", "--");
    }

    /** The repository id of a cache folder name, or null when it is not a model folder. */
    public static String repoOf(String folderName) {
        if (!folderName.startsWith("models--")) return null;
        String[] parts = folderName.substring(8).split("--");
        if (parts.length < 2) return null;
        return String.join("/", parts);
    }

    public Path repoFolder(String repo) { return root.resolve(folderName(repo)); }

    public Path blob(String repo, String etag) { return repoFolder(repo).resolve("blobs").resolve(etag); }

    public Path incomplete(String repo, String etag) { return repoFolder(repo).resolve("blobs").resolve(etag + ".incomplete"); }

    public Path lockFile(String repo, String etag) {
        return root.resolve(".locks").resolve(folderName(repo)).resolve(etag + ".lock");
    }

    public Path snapshotFolder(String repo, String commit) { return repoFolder(repo).resolve("snapshots").resolve(commit); }

    public Path snapshot(String repo, String commit, String file) {
        Path p = snapshotFolder(repo, commit);
        for (String seg : file.split("/")) p = p.resolve(seg);
        return p;
    }

    /** The commit a revision names in the cache: a commit hash as is, a branch or tag through refs/; or null. */
    public String commitOf(String repo, String revision) {
        if (COMMIT.matcher(revision).matches())
            return Files.isDirectory(snapshotFolder(repo, revision)) ? revision : null;
        Path ref = repoFolder(repo).resolve("refs").resolve(revision);
        try {
            if (!Files.isRegularFile(ref) || Files.size(ref) > 1024) return null;
            String c = Files.readString(ref, StandardCharsets.UTF_8).trim();
            return COMMIT.matcher(c).matches() ? c : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Records that {@code revision} is at {@code commit} (nothing to record when the revision is the commit). */
    public void writeRef(String repo, String revision, String commit) throws IOException {
        if (revision.equals(commit)) return;
        Path ref = repoFolder(repo).resolve("refs").resolve(revision);
        if (commit.equals(commitOf(repo, revision))) return;
        Files.createDirectories(ref.getParent());
        Path tmp = ref.resolveSibling(ref.getFileName() + ".tmp");
        Files.writeString(tmp, commit, StandardCharsets.UTF_8);
        Files.move(tmp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Points {@code snapshots/COMMIT/FILE} at the blob with a relative symlink, as huggingface_hub does. Where
     * the file system has no symlinks, a hard link, and failing that a copy, takes its place.
     */
    public Path link(String repo, String commit, String file, String etag) throws IOException {
        Path link = snapshot(repo, commit, file);
        Path blob = blob(repo, etag);
        Files.createDirectories(link.getParent());
        Files.deleteIfExists(link);
        Path target = link.getParent().relativize(blob);
        try {
            Files.createSymbolicLink(link, target);
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException | FileSystemException e) {
            try {
                Files.createLink(link, blob);
            } catch (IOException | UnsupportedOperationException e2) {
                Files.copy(blob, link, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return link;
    }

    /** The files of a snapshot whose content is present (links that resolve), as repository paths. */
    public List<String> snapshotFiles(String repo, String commit) {
        Path dir = snapshotFolder(repo, commit);
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(p -> !Files.isDirectory(p) && Files.isRegularFile(p))
                    .map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .sorted().forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The commits with a snapshot folder, newest-modified first. */
    public List<String> snapshots(String repo) {
        Path dir = repoFolder(repo).resolve("snapshots");
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return List.of();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
            ds.forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(Comparator.comparingLong(HubCache::mtime).reversed());
        return out.stream().map(p -> p.getFileName().toString()).toList();
    }

    /** The model repositories in the cache, sorted. */
    public List<String> repos() {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, "models--*")) {
            for (Path p : ds) {
                String r = repoOf(p.getFileName().toString());
                if (r != null && Files.isDirectory(p)) out.add(r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(null);
        return out;
    }

    /**
     * Removes {@code files} (repository paths) from every snapshot of the repository, then the blobs no
     * remaining snapshot file points at, then empty folders; a repository left with no files goes entirely.
     *
     * @return the bytes freed
     */
    public long remove(String repo, List<String> files) throws IOException {
        long freed = 0;
        List<Path> blobs = new ArrayList<>();
        for (String commit : snapshots(repo)) {
            for (String f : files) {
                Path link = snapshot(repo, commit, f);
                if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) continue;
                if (Files.isSymbolicLink(link)) {
                    Path target = link.getParent().resolve(Files.readSymbolicLink(link)).normalize();
                    blobs.add(target);
                } else {
                    freed += Files.size(link);
                }
                Files.delete(link);
                pruneEmpty(link.getParent(), snapshotFolder(repo, commit));
            }
        }
        List<Path> stillUsed = new ArrayList<>();
        for (String commit : snapshots(repo)) {
            try (Stream<Path> s = Files.walk(snapshotFolder(repo, commit))) {
                for (Path p : (Iterable<Path>) s::iterator)
                    if (Files.isSymbolicLink(p)) stillUsed.add(p.getParent().resolve(Files.readSymbolicLink(p)).normalize());
            }
        }
        for (Path b : blobs) {
            if (stillUsed.contains(b) || !Files.exists(b)) continue;
            freed += Files.size(b);
            Files.delete(b);
        }
        boolean anyLeft = false;
        for (String commit : snapshots(repo)) {
            if (isEmptyTree(snapshotFolder(repo, commit))) deleteTree(snapshotFolder(repo, commit));
            else anyLeft = true;
        }
        if (!anyLeft) removeRepo(repo);
        return freed;
    }

    /** Deletes the whole repository folder (and its lock folder). @return the bytes freed */
    public long removeRepo(String repo) throws IOException {
        long freed = treeSize(repoFolder(repo).resolve("blobs"));
        deleteTree(repoFolder(repo));
        deleteTree(root.resolve(".locks").resolve(folderName(repo)));
        return freed;
    }

    static long treeSize(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        long n = 0;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator)
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) n += Files.size(p);
        }
        return n;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static boolean isEmptyTree(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return true;
        try (Stream<Path> s = Files.walk(dir)) {
            return s.noneMatch(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS));
        }
    }

    private static void pruneEmpty(Path dir, Path stop) throws IOException {
        while (dir != null && dir.startsWith(stop) && !dir.equals(stop)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                if (ds.iterator().hasNext()) return;
            }
            Files.delete(dir);
            dir = dir.getParent();
        }
    }

    private static long mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
