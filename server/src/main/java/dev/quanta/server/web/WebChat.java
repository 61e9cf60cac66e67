package dev.quanta.server.web;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The web chat: a page at {@code /} and its files under {@code /web/}, plain HTML, CSS and JavaScript
 * shipped in the jar ({@code src/main/resources/web/}). The page talks to the server's own OpenAI API
 * ({@code /v1/models}, streaming {@code /v1/chat/completions}); these files are public even when an API key
 * is set (the page asks for the key and sends it as a Bearer token). A Content-Security-Policy keeps the
 * page from loading or sending anything anywhere but this server.
 */
public final class WebChat {
    /** What the browser may do: only this origin, no inline scripts, no frames. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private record Asset(byte[] bytes, String contentType) {}

    private final Map<String, Asset> assets;

    /** Reads the page's files from the class path. */
    public WebChat() {
        assets = Map.of(
                "index.html", read("index.html", "text/html; charset=utf-8"),
                "chat.css", read("chat.css", "text/css; charset=utf-8"),
                "chat.js", read("chat.js", "text/javascript; charset=utf-8"),
                "icon.svg", read("icon.svg", "image/svg+xml"));
    }

    /** Whether {@code path} is the page or one of its files (served without an API key). */
    public static boolean isPublic(String path) {
        return path.equals("/") || path.startsWith("/web/");
    }

    /** {@code GET /}. */
    public void page(ServerRequest req, ServerResponse res) {
        send(res, assets.get("index.html"));
    }

    /** {@code GET /web/{file}}. */
    public void asset(ServerRequest req, ServerResponse res) {
        Asset a = assets.get(req.path().pathParameters().get("file"));
        if (a == null) {
            res.status(Status.NOT_FOUND_404);
            res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            res.send("not found".getBytes(StandardCharsets.UTF_8));
            return;
        }
        send(res, a);
    }

    private static void send(ServerResponse res, Asset a) {
        res.header(HeaderNames.CONTENT_TYPE, a.contentType());
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(HeaderNames.create("Content-Security-Policy"), CSP);
        res.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
        res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
        res.send(a.bytes());
    }

    private static Asset read(String name, String type) {
        try (InputStream in = WebChat.class.getResourceAsStream("/web/" + name)) {
            if (in == null) throw new IllegalStateException("web chat file /web/" + name + " is missing from the class path");
            return new Asset(in.readAllBytes(), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
