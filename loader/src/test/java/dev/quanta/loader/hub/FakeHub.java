package dev.quanta.loader.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback HTTP server that answers like the Hugging Face hub: the model API with file sizes and LFS
 * sha256s, {@code /OWNER/REPO/resolve/REV/PATH} with a 302 to a CDN path for LFS files (headers X-Linked-Etag,
 * X-Linked-Size, X-Repo-Commit), Range requests (206 + Content-Range), X-Error-Code errors, gated repos. It can
 * cut CDN responses after N bytes, or serve corrupted bytes, and it logs every request.
 */
final class FakeHub implements AutoCloseable {
    static final String TOKEN = "hf_secret";

    /** A repository: commit, files (path → bytes), LFS or not per file, gated or not. */
    static final class Repo {
        final String commit;
        final Map<String, byte[]> files = new LinkedHashMap<>();
        final Set<String> nonLfs = ConcurrentHashMap.newKeySet();
        boolean gated;

        Repo(String commit) {
            this.commit = commit;
        }

        Repo lfs(String path, byte[] data) {
            files.put(path, data);
            return this;
        }

        Repo git(String path, byte[] data) {
            files.put(path, data);
            nonLfs.add(path);
            return this;
        }
    }

    final Map<String, Repo> repos = new ConcurrentHashMap<>();
    final Map<String, byte[]> plainFiles = new ConcurrentHashMap<>();
    final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
    /** The next {@code cuts} CDN responses stop after {@code cutAfter} body bytes and drop the connection. */
    volatile int cutAfter = -1, cuts = 0;
    /** The next {@code stalls} CDN responses stop sending after {@code cutAfter} bytes and hang (connection open). */
    volatile int stalls = 0;
    /** CDN responses flip one byte (the advertised sha256 stays that of the real file). */
    volatile boolean corrupt;

    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern API = Pattern.compile("/api/models/([^/]+/[^/]+)/revision/([^/?]+)");
    private static final Pattern RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)");

    FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    Repo repo(String id, String commit) {
        Repo r = new Repo(commit);
        repos.put(id, r);
        return r;
    }

    List<String> requests(String prefix) {
        synchronized (log) {
            return log.stream().filter(s -> s.startsWith(prefix)).toList();
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String gitSha1(byte[] b) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-1");
            d.update(("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(d.digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            String range = ex.getRequestHeaders().getFirst("Range");
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            log.add(ex.getRequestMethod() + " " + path + (range != null ? " range=" + range : "") + (auth != null ? " auth=" + auth : ""));
            Matcher m;
            if ((m = API.matcher(path)).matches()) api(ex, m.group(1), URLDecoder.decode(m.group(2), StandardCharsets.UTF_8));
            else if (path.startsWith("/cdn/")) serve(ex, cdnBytes(path.substring(5)), true);
            else if (path.startsWith("/files/") && plainFiles.containsKey(path.substring(7))) {
                byte[] b = plainFiles.get(path.substring(7));
                ex.getResponseHeaders().add("ETag", "\"" + sha256(b) + "\"");
                serve(ex, b, false);
            } else if ((m = RESOLVE.matcher(path)).matches()) resolve(ex, m.group(1), m.group(2), URLDecoder.decode(m.group(3), StandardCharsets.UTF_8));
            else error(ex, 404, null);
        } catch (IOException e) {
            // a cut connection: expected
        }
    }

    private void api(HttpExchange ex, String id, String rev) throws IOException {
        Repo r = repos.get(id);
        if (r == null) {
            error(ex, 404, "RepoNotFound");
            return;
        }
        if (!rev.equals("main") && !rev.equals(r.commit)) {
            error(ex, 404, "RevisionNotFound");
            return;
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id);
        root.put("sha", r.commit);
        root.put("gated", r.gated ? "manual" : "false");
        ArrayNode sib = root.putArray("siblings");
        for (var e : r.files.entrySet()) {
            ObjectNode f = sib.addObject();
            f.put("rfilename", e.getKey());
            f.put("size", e.getValue().length);
            f.put("blobId", gitSha1(e.getValue()));
            if (!r.nonLfs.contains(e.getKey())) {
                ObjectNode lfs = f.putObject("lfs");
                lfs.put("sha256", sha256(e.getValue()));
                lfs.put("size", e.getValue().length);
                lfs.put("pointerSize", 134);
            }
        }
        byte[] body = JSON.writeValueAsBytes(root);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    private void resolve(HttpExchange ex, String id, String rev, String file) throws IOException {
        Repo r = repos.get(id);
        if (r == null) {
            error(ex, 404, "RepoNotFound");
            return;
        }
        if (!rev.equals("main") && !rev.equals(r.commit)) {
            error(ex, 404, "RevisionNotFound");
            return;
        }
        if (r.gated) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth == null) {
                error(ex, 401, "GatedRepo");
                return;
            }
            if (!auth.equals("Bearer " + TOKEN)) {
                error(ex, 403, "GatedRepo");
                return;
            }
        }
        byte[] b = r.files.get(file);
        if (b == null) {
            error(ex, 404, "EntryNotFound");
            return;
        }
        var h = ex.getResponseHeaders();
        h.add("X-Repo-Commit", r.commit);
        if (r.nonLfs.contains(file)) {
            h.add("ETag", "\"" + gitSha1(b) + "\"");
            serve(ex, b, false);
            return;
        }
        String sha = sha256(b);
        h.add("X-Linked-Etag", "\"" + sha + "\"");
        h.add("X-Linked-Size", Long.toString(b.length));
        h.add("ETag", "W/\"" + gitSha1(b) + "\"");
        h.add("Location", base() + "/cdn/" + sha);
        ex.sendResponseHeaders(302, -1);
    }

    private byte[] cdnBytes(String sha) {
        for (Repo r : repos.values())
            for (byte[] b : r.files.values())
                if (sha256(b).equals(sha)) {
                    if (!corrupt) return b;
                    byte[] c = b.clone();
                    c[c.length / 2] ^= 0x5a;
                    return c;
                }
        return null;
    }

    private void serve(HttpExchange ex, byte[] b, boolean cdn) throws IOException {
        if (b == null) {
            error(ex, 404, null);
            return;
        }
        String range = ex.getRequestHeaders().getFirst("Range");
        int start = 0;
        if (range != null) {
            Matcher m = Pattern.compile("bytes=(\\d+)-").matcher(range);
            if (m.matches()) start = Integer.parseInt(m.group(1));
            if (start >= b.length) {
                ex.getResponseHeaders().add("Content-Range", "bytes */" + b.length);
                ex.sendResponseHeaders(416, -1);
                return;
            }
            ex.getResponseHeaders().add("Content-Range", "bytes " + start + "-" + (b.length - 1) + "/" + b.length);
        }
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().add("Content-Length", Integer.toString(b.length));
            ex.sendResponseHeaders(200, -1);
            return;
        }
        int len = b.length - start;
        ex.sendResponseHeaders(range != null ? 206 : 200, len);
        OutputStream os = ex.getResponseBody();
        if (cdn && stalls > 0 && cutAfter >= 0 && cutAfter < len) {
            stalls--;
            os.write(b, start, cutAfter);
            os.flush();
            try {
                Thread.sleep(20_000); // ended by close() (shutdownNow) or the client giving up
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("stalled");
        }
        if (cdn && cuts > 0 && cutAfter >= 0 && cutAfter < len) {
            cuts--;
            os.write(b, start, cutAfter);
            os.flush();
            throw new IOException("cut"); // try-with-resources closes the exchange short: the client sees the connection end
        }
        os.write(b, start, len);
    }

    private static void error(HttpExchange ex, int status, String code) throws IOException {
        if (code != null) ex.getResponseHeaders().add("X-Error-Code", code);
        byte[] body = ("{\"error\":\"" + (code == null ? "Not found" : code) + "\"}").getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
