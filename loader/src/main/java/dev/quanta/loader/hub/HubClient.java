package dev.quanta.loader.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP to a Hugging Face hub (or any server for plain URLs) with {@link HttpClient}: the repository listing
 * and resumable, verified file downloads.
 *
 * <p>The protocol, as {@code huggingface_hub} uses it: {@code GET {endpoint}/api/models/{repo}/revision/{rev}?blobs=true}
 * gives the commit ({@code sha}) and every file with its size and, for LFS files, its sha256. A file is read
 * from {@code {endpoint}/{repo}/resolve/{commit}/{path}}, which redirects (302) large files to a CDN; its first
 * response carries {@code X-Repo-Commit}, {@code X-Linked-Etag} (the sha256) and {@code X-Linked-Size}.
 * Redirects are followed here, not by the client, so the token is only sent to the hub itself. Errors carry
 * {@code X-Error-Code} ({@code RepoNotFound}, {@code GatedRepo}, {@code EntryNotFound}, {@code RevisionNotFound}).
 */
public final class HubClient implements AutoCloseable {
    private static final String USER_AGENT = "quanta/0.1";
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern HEX40 = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int BUFFER = 1 << 20;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "quanta-download-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final HubConfig cfg;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    /** One file of a repository: its path, size, sha256 (LFS files) and git blob id. */
    public record RepoFile(String path, long size, String sha256, String blobId) {
        /** The name huggingface_hub gives its blob: the sha256 for LFS files, else the git blob id. */
        public String etag() { return sha256 != null ? sha256 : blobId; }
    }

    /** A repository at a revision: the commit it resolves to and its files. */
    public record RepoInfo(String repo, String revision, String commit, List<RepoFile> files) {
        public RepoFile file(String path) {
            for (RepoFile f : files) if (f.path().equals(path)) return f;
            return null;
        }

        public List<String> paths() { return files.stream().map(RepoFile::path).toList(); }
    }

    /** What a finished download must be: size (-1 unknown), sha256 or git-sha1 (null unknown). */
    public record Expected(long size, String sha256, String gitSha1) {
        public static final Expected NOTHING = new Expected(-1, null, null);
    }

    /** The file a request is for, to name in errors: a repository file ({@code repo} set) or a plain URL. */
    public record Target(String repo, String file, String revision, URI url) {}

    /** An interruption worth retrying (connection lost, 5xx, 429). */
    static final class Interrupted extends IOException {
        Interrupted(String m, Throwable cause) {
            super(m, cause);
        }
    }

    public HubClient(HubConfig cfg) {
        this.cfg = cfg;
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(cfg.timeout())
                .build();
    }

    /** The commit and files of {@code repo} at {@code revision}. */
    public RepoInfo repoInfo(String repo, String revision) {
        URI u = URI.create(cfg.endpoint() + "/api/models/" + repo + "/revision/" + encode(revision) + "?blobs=true");
        Target t = new Target(repo, null, revision, u);
        HttpResponse<byte[]> r;
        try {
            HttpRequest.Builder b = request(u, true).header("Accept", "application/json").GET();
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new HubException("cannot reach " + cfg.endpoint() + " for " + repo + ": " + describe(e)
                    + " (use --offline to run from the cache)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("interrupted while listing " + repo, e);
        }
        if (r.statusCode() != 200) throw error(r.statusCode(), r.headers(), t);
        JsonNode root;
        try {
            root = json.readTree(r.body());
        } catch (IOException e) {
            throw new HubException("unreadable answer from " + u + ": " + e.getMessage(), e);
        }
        String commit = root.path("sha").asText(null);
        if (commit == null || !HEX40.matcher(commit).matches())
            throw new HubException("answer from " + u + " has no commit hash ('sha')");
        List<RepoFile> files = new ArrayList<>();
        for (JsonNode s : root.path("siblings")) {
            String path = s.path("rfilename").asText(null);
            if (path == null) continue;
            JsonNode lfs = s.path("lfs");
            String sha = lfs.isObject() ? lfs.path("sha256").asText(lfs.path("oid").asText(null)) : null;
            if (sha != null && !HEX64.matcher(sha).matches()) sha = null;
            long size = lfs.isObject() && lfs.has("size") ? lfs.path("size").asLong(-1) : s.path("size").asLong(-1);
            String blobId = s.path("blobId").asText(null);
            files.add(new RepoFile(path, size, sha, blobId));
        }
        return new RepoInfo(repo, revision, commit, List.copyOf(files));
    }

    /** The URL a repository file is read from. */
    public URI resolveUrl(String repo, String commit, String file) {
        StringBuilder b = new StringBuilder(cfg.endpoint().toString()).append('/').append(repo).append("/resolve/").append(encode(commit));
        for (String seg : file.split("/")) b.append('/').append(encode(seg));
        return URI.create(b.toString());
    }

    /** What the hub says about a file without reading it (HEAD): etag, size, commit; any may be null/-1. */
    public Expected probe(URI url, boolean sendToken, Target t) {
        URI u = url;
        boolean auth = sendToken;
        String sha = null, etag = null;
        long size = -1;
        try {
            for (int hop = 0; hop < 10; hop++) {
                HttpRequest req = request(u, auth).method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
                HttpResponse<Void> r = http.send(req, HttpResponse.BodyHandlers.discarding());
                HttpHeaders h = r.headers();
                if (sha == null) sha = sha256Of(h);
                if (etag == null) etag = h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag")).map(HubClient::normalizeEtag).orElse(null);
                if (size < 0) size = h.firstValue("X-Linked-Size").map(Long::parseLong).orElse(-1L);
                if (isRedirect(r.statusCode())) {
                    URI next = u.resolve(h.firstValue("Location").orElseThrow(() -> new HubException("redirect without Location from " + t.url())));
                    auth = auth && sameOrigin(u, next);
                    u = next;
                    continue;
                }
                if (r.statusCode() >= 400) throw error(r.statusCode(), h, t);
                if (size < 0) size = h.firstValueAsLong("Content-Length").orElse(-1);
                String git = etag != null && HEX40.matcher(etag).matches() ? etag : null;
                return new Expected(size, sha, git);
            }
        } catch (IOException e) {
            throw new HubException("cannot reach " + u.getHost() + " for " + name(t) + ": " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("interrupted", e);
        }
        throw new HubException("too many redirects for " + name(t));
    }

    /**
     * Downloads {@code url} into {@code part} (resuming from what it already holds with an HTTP Range request,
     * and after each interruption, up to the configured number of retries in a row without progress), checks the size and checksum and
     * only then moves it to {@code dest}. On a checksum mismatch the partial file is deleted.
     *
     * @param sendToken whether the hub token may be sent (to the URL's own origin only)
     * @param exp       what the file must be; for plain URLs the response's X-Linked-Etag/ETag may tell
     * @param label     the name shown in the progress bar
     */
    public void download(URI url, boolean sendToken, Path part, Path dest, Expected exp, Target t, String label, DownloadListener l) {
        Transfer tr = new Transfer(exp);
        int attempt = 0; // interruptions in a row without progress
        long before = sizeOr0(part);
        while (true) {
            try {
                if (tr.attempt(url, sendToken, part, t, label, l)) break;
            } catch (Interrupted e) {
                long have = sizeOr0(part);
                if (have > before) attempt = 0;
                before = have;
                if (attempt++ >= cfg.retries())
                    throw new HubException("download of " + name(t) + " interrupted at " + have + " of "
                            + (tr.size >= 0 ? tr.size + " bytes" : "? bytes") + " (" + e.getMessage()
                            + "); run the command again to resume", e);
                l.note("connection lost at " + ProgressBar.human(have) + " (" + e.getMessage() + "); resuming (" + attempt + "/" + cfg.retries() + ")");
                sleep(cfg.retryWait().multipliedBy(1L << Math.min(attempt - 1, 5)));
            } catch (IOException e) {
                throw new HubException("cannot write " + part + ": " + describe(e), e);
            }
        }
        try {
            tr.verify(part, t);
            Files.move(part, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new HubException("cannot move " + part + " to " + dest + ": " + describe(e), e);
        }
        l.finish(label, tr.size);
    }

    /** One file's download across attempts: expected size/checksum, and the running digest of what is on disk. */
    private final class Transfer {
        long size;
        String sha256, gitSha1;
        MessageDigest md;
        long hashed = -1;

        Transfer(Expected exp) {
            size = exp.size();
            sha256 = exp.sha256();
            gitSha1 = exp.gitSha1();
        }

        /** @return true when the file is complete on disk */
        boolean attempt(URI url, boolean sendToken, Path part, Target t, String label, DownloadListener l) throws IOException {
            long have = sizeOr0(part);
            if (size >= 0 && have > size) {
                truncate(part);
                have = 0;
            }
            if (size > 0 && have == size) {
                rehash(part, have);
                return true;
            }
            HttpResponse<InputStream> r = open(url, sendToken, have, t);
            try (InputStream in = r.body()) {
                int st = r.statusCode();
                HttpHeaders h = r.headers();
                if (st == 416) {
                    if (size >= 0 && have == size) return true;
                    truncate(part);
                    throw new Interrupted("server refused to resume (HTTP 416); starting over", null);
                }
                long start;
                if (st == 206) {
                    Matcher m = CONTENT_RANGE.matcher(h.firstValue("Content-Range").orElse(""));
                    if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                        truncate(part);
                        throw new Interrupted("server answered a different range (" + h.firstValue("Content-Range").orElse("none") + "); starting over", null);
                    }
                    start = have;
                    if (size < 0 && !m.group(3).equals("*")) size = Long.parseLong(m.group(3));
                } else {
                    if (have > 0) truncate(part);
                    start = 0;
                    if (size < 0) size = h.firstValueAsLong("Content-Length").orElse(-1);
                }
                if (size >= 0 && size < start) throw new HubException("server reports " + size + " bytes for " + name(t) + " but " + start + " are already here");
                rehash(part, start);
                checkSpace(part, size >= 0 ? size - start : 0, t);
                l.start(label, size, start);
                copy(in, part, start, t, l);
            }
            return size < 0 || sizeOr0(part) >= size;
        }

        private HttpResponse<InputStream> open(URI url, boolean sendToken, long from, Target t) throws IOException {
            URI u = url;
            boolean auth = sendToken;
            for (int hop = 0; hop < 10; hop++) {
                HttpRequest.Builder b = request(u, auth).GET();
                if (from > 0) b.header("Range", "bytes=" + from + "-");
                HttpResponse<InputStream> r;
                try {
                    r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new HubException("interrupted while downloading " + name(t), e);
                } catch (IOException e) {
                    throw new Interrupted(describe(e), e);
                }
                HttpHeaders h = r.headers();
                learn(h);
                int st = r.statusCode();
                if (isRedirect(st)) {
                    r.body().close();
                    URI from0 = u;
                    URI next = u.resolve(h.firstValue("Location").orElseThrow(() -> new HubException("redirect without Location from " + from0)));
                    auth = auth && sameOrigin(u, next);
                    u = next;
                    continue;
                }
                if (st == 200 || st == 206 || st == 416) return r;
                r.body().close();
                if (st == 429 || st >= 500) throw new Interrupted("HTTP " + st + " from " + u.getHost(), null);
                throw error(st, h, t);
            }
            throw new HubException("too many redirects for " + name(t));
        }

        /** Takes the size and checksum the hub announces, where nothing was expected yet (plain URLs). */
        private void learn(HttpHeaders h) {
            if (sha256 == null && gitSha1 == null) sha256 = sha256Of(h);
            if (size < 0) size = h.firstValue("X-Linked-Size").map(s -> {
                try {
                    return Long.parseLong(s.trim());
                } catch (NumberFormatException e) {
                    return -1L;
                }
            }).orElse(-1L);
        }

        private void copy(InputStream in, Path part, long start, Target t, DownloadListener l) throws IOException {
            byte[] buf = new byte[BUFFER];
            long done = start;
            // A stalled connection would block read() forever: a watchdog closes the stream after cfg.timeout()
            // without data, which makes read() throw, and the download resumes like after any interruption.
            long limit = cfg.timeout().toNanos();
            AtomicLong lastData = new AtomicLong(System.nanoTime());
            AtomicBoolean stalled = new AtomicBoolean();
            long period = Math.max(10, Math.min(1000, cfg.timeout().toMillis() / 4));
            ScheduledFuture<?> watchdog = WATCHDOG.scheduleAtFixedRate(() -> {
                if (System.nanoTime() - lastData.get() > limit && stalled.compareAndSet(false, true)) {
                    try {
                        in.close();
                    } catch (IOException ignored) {
                        // read() fails either way
                    }
                }
            }, period, period, TimeUnit.MILLISECONDS);
            try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                while (true) {
                    int n;
                    try {
                        n = in.read(buf);
                    } catch (IOException e) {
                        throw new Interrupted(stalled.get() ? "no data for " + cfg.timeout().toMillis() / 1000.0 + " s" : describe(e), e);
                    }
                    if (n < 0) break;
                    lastData.set(System.nanoTime());
                    if (size >= 0 && done + n > size) throw new HubException("server sent more than the " + size + " bytes announced for " + name(t));
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                    try {
                        while (bb.hasRemaining()) ch.write(bb);
                    } catch (IOException e) {
                        if (isDiskFull(e)) throw diskFull(part.getParent(), size >= 0 ? size - done : n, t, e);
                        throw e;
                    }
                    md.update(buf, 0, n);
                    done += n;
                    hashed = done;
                    l.progress(done, size);
                }
            } finally {
                watchdog.cancel(false);
            }
            if (stalled.get() && (size < 0 || done < size)) throw new Interrupted("no data for " + cfg.timeout().toMillis() / 1000.0 + " s", null);
            if (size >= 0 && done < size) throw new Interrupted("connection closed after " + done + " of " + size + " bytes", null);
        }

        /** Makes the digest cover exactly the first {@code upTo} bytes of {@code part}. */
        private void rehash(Path part, long upTo) throws IOException {
            if (md != null && hashed == upTo) return;
            md = digest();
            hashed = 0;
            if (upTo == 0) return;
            byte[] buf = new byte[BUFFER];
            try (InputStream in = Files.newInputStream(part)) {
                long left = upTo;
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) break;
                    md.update(buf, 0, n);
                    left -= n;
                }
            }
            hashed = upTo;
        }

        private MessageDigest digest() {
            try {
                if (sha256 == null && gitSha1 != null && size >= 0) {
                    MessageDigest d = MessageDigest.getInstance("SHA-1");
                    d.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII)); // git's blob header
                    return d;
                }
                return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        void verify(Path part, Target t) throws IOException {
            long have = sizeOr0(part);
            if (size >= 0 && have != size) {
                Files.deleteIfExists(part);
                throw new HubException("size mismatch for " + name(t) + ": expected " + size + " bytes, got " + have + "; the partial download was deleted, run the command again");
            }
            rehash(part, have);
            String want = sha256 != null ? sha256 : gitSha1;
            if (want == null) return;
            String got = HexFormat.of().formatHex(md.digest());
            md = null;
            if (!got.equals(want)) {
                Files.deleteIfExists(part);
                throw new HubException("checksum mismatch for " + name(t) + ": expected " + (sha256 != null ? "sha256 " : "git-sha1 ")
                        + want + ", got " + got + "; the partial download was deleted, run the command again");
            }
        }
    }

    private void checkSpace(Path part, long needed, Target t) throws IOException {
        if (needed <= 0) return;
        Files.createDirectories(part.getParent());
        long free = cfg.freeSpace().usableBytes(part.getParent());
        if (free < needed) throw diskFull(part.getParent(), needed, free, t);
    }

    /** "not enough disk space in FOLDER for FILE: needs N bytes (X GiB), F available". */
    static HubException diskFull(Path folder, long needed, long free, Target t) {
        return new HubException("not enough disk space in " + folder + " for " + name(t) + ": needs " + needed + " bytes ("
                + ProgressBar.human(needed) + ")" + (free >= 0 ? ", " + free + " bytes (" + ProgressBar.human(free) + ") available" : "")
                + "; free some space or set HF_HUB_CACHE to a bigger disk");
    }

    private HubException diskFull(Path folder, long needed, Target t, IOException cause) {
        long free = -1;
        try {
            free = cfg.freeSpace().usableBytes(folder);
        } catch (IOException ignored) {
            // the message goes out without it
        }
        HubException e = diskFull(folder, needed, free, t);
        e.initCause(cause);
        return e;
    }

    static boolean isDiskFull(IOException e) {
        String m = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : String.valueOf(e.getMessage());
        m = m.toLowerCase(Locale.ROOT);
        return m.contains("no space left") || m.contains("not enough space") || m.contains("disk quota exceeded");
    }

    /** The one-line error for an HTTP status, named after what was asked for. */
    HubException error(int status, HttpHeaders h, Target t) {
        String code = h.firstValue("X-Error-Code").orElse("");
        String http = " (HTTP " + status + ")";
        if (t.repo() == null) {
            return switch (status) {
                case 401, 403 -> new HubException("access denied to " + t.url() + http);
                case 404 -> new HubException("not found: " + t.url() + http);
                default -> new HubException("download of " + t.url() + " failed" + http);
            };
        }
        String page = cfg.endpoint() + "/" + t.repo();
        if (code.equals("GatedRepo") || ((status == 401 || status == 403) && t.file() != null && !code.equals("RepoNotFound"))) {
            return new HubException(cfg.token() == null
                    ? t.repo() + " is gated or private" + http + ": accept its license at " + page + " and set HF_TOKEN to an access token of that account"
                    : "your HF_TOKEN has no access to " + t.repo() + http + ": accept its license at " + page + " with that account, or check the token");
        }
        if (code.equals("RevisionNotFound")) return new HubException("revision '" + t.revision() + "' not found in " + t.repo() + http);
        if (code.equals("EntryNotFound") || (status == 404 && t.file() != null))
            return new HubException("file " + t.file() + " not found in " + t.repo() + " at revision " + t.revision() + http);
        if (code.equals("RepoNotFound") || status == 404 || status == 401)
            return new HubException("repository " + t.repo() + " not found on " + cfg.endpoint() + http
                    + (cfg.token() == null ? "; if it is private or gated, set HF_TOKEN" : "; check the name, and that your HF_TOKEN can read it"));
        String msg = h.firstValue("X-Error-Message").map(m -> ": " + m).orElse("");
        return new HubException("request for " + name(t) + " failed" + http + msg);
    }

    private HttpRequest.Builder request(URI u, boolean auth) {
        HttpRequest.Builder b = HttpRequest.newBuilder(u).timeout(cfg.timeout()).header("User-Agent", USER_AGENT);
        if (auth && cfg.token() != null) b.header("Authorization", "Bearer " + cfg.token());
        return b;
    }

    /** The sha256 a response announces: X-Linked-Etag, else an ETag that is a sha256; or null. */
    static String sha256Of(HttpHeaders h) {
        for (String name : new String[] {"X-Linked-Etag", "ETag"}) {
            String v = h.firstValue(name).map(HubClient::normalizeEtag).orElse(null);
            if (v != null && HEX64.matcher(v).matches()) return v;
        }
        return null;
    }

    /** Strips {@code W/} and quotes, as huggingface_hub does. */
    static String normalizeEtag(String e) {
        String s = e.trim();
        if (s.startsWith("W/")) s = s.substring(2);
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) s = s.substring(1, s.length() - 1);
        return s.toLowerCase(Locale.ROOT);
    }

    static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme()) && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && a.getPort() == b.getPort();
    }

    private static boolean isRedirect(int st) {
        return st == 301 || st == 302 || st == 303 || st == 307 || st == 308;
    }

    static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String name(Target t) {
        return t.repo() == null ? t.url().toString() : t.file() == null ? t.repo() : t.repo() + "/" + t.file();
    }

    /** The first message along the cause chain (HttpClient's ConnectException has none of its own). */
    private static String describe(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && !m.isBlank()) return t == e ? m : t.getClass().getSimpleName() + ": " + m;
        }
        return e.getClass().getSimpleName();
    }

    static long sizeOr0(Path p) {
        try {
            return Files.exists(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static void truncate(Path p) throws IOException {
        if (Files.exists(p)) try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("interrupted", e);
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
