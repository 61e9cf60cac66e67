package dev.quanta.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quanta.runtime.serving.ServingEngine;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.OptionalLong;

/**
 * The HTTP server: OpenAI's and Ollama's APIs on one {@link ServingEngine}, {@code /health} and
 * {@code /metrics}. Every request runs on its own virtual thread (Helidon SE WebServer 4), reads its
 * body up to {@link ServerOptions#maxBodyBytes()}, submits to the engine and waits for its events;
 * streaming answers go out as server-sent events (OpenAI) or NDJSON (Ollama) as tokens arrive, and a
 * client that goes away cancels its request.
 *
 * <pre>{@code
 * try (Model model = Quanta.load(ModelOptions.of(Path.of("model.gguf")));
 *      ServingEngine engine = ServingEngine.start(model, EngineOptions.defaults().withParallel(4));
 *      QuantaServer server = QuantaServer.start(engine, ServerOptions.of("my-model").withPort(8080))) {
 *     server.awaitShutdown();
 * }
 * }</pre>
 */
public final class QuantaServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(QuantaServer.class.getName());

    private final ServingEngine engine;
    private final ServerOptions options;
    private final ServerMetrics metrics;
    private final long started = System.currentTimeMillis() / 1000;
    private final WebServer web;
    private final Object stopLock = new Object();
    private volatile boolean stopped;

    private QuantaServer(ServingEngine engine, ServerOptions options) {
        this.engine = engine;
        this.options = options;
        this.metrics = new ServerMetrics(engine);
        OpenAiApi openAi = new OpenAiApi(this);
        OllamaApi ollama = new OllamaApi(this);
        HttpRouting.Builder r = HttpRouting.builder()
                .addFilter(this::countStatus)
                .addFilter(this::authenticate)
                .get("/health", this::health)
                .get("/metrics", this::metrics)
                .get("/v1/models", guard(openAi::models))
                .get("/v1/models/{id}", guard(openAi::model))
                .post("/v1/chat/completions", guard(openAi::chat))
                .post("/v1/completions", guard(openAi::completions))
                .post("/v1/embeddings", guard(openAi::embeddings))
                .get("/api/tags", guardOllama(ollama::tags))
                .get("/api/version", guardOllama(ollama::version))
                .post("/api/chat", guardOllama(ollama::chat))
                .post("/api/generate", guardOllama(ollama::generate))
                .any(guard((req, res) -> {
                    throw ApiException.notFound("No route for " + req.prologue().method().text() + " " + req.path().path());
                }));
        this.web = WebServer.builder()
                .host(options.host())
                .port(options.port())
                .shutdownHook(false)
                .routing(r)
                .build();
    }

    /** Binds and starts serving; returns once the port is open. */
    public static QuantaServer start(ServingEngine engine, ServerOptions options) {
        QuantaServer s = new QuantaServer(engine, options);
        s.web.start();
        if (!options.isLoopback() && options.apiKeys().isEmpty())
            LOG.log(System.Logger.Level.WARNING, "listening on " + options.host() + " without an API key: anyone who can reach this address can use the model (set --api-key)");
        return s;
    }

    /** The bound port (the chosen one when {@link ServerOptions#port()} was 0). */
    public int port() { return web.port(); }

    public ServerOptions options() { return options; }
    public ServingEngine engine() { return engine; }
    ServerMetrics metricsRegistry() { return metrics; }
    long startedEpochSeconds() { return started; }

    /** Blocks until {@link #close()} is called (from another thread or a shutdown hook). */
    public void awaitShutdown() throws InterruptedException {
        synchronized (stopLock) {
            while (!stopped) stopLock.wait();
        }
    }

    /** Stops listening; the engine is the caller's to close. */
    @Override
    public void close() {
        synchronized (stopLock) {
            if (stopped) return;
            stopped = true;
            stopLock.notifyAll();
        }
        web.stop();
    }

    // ---- filters -------------------------------------------------------------------------------

    private void countStatus(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        try {
            chain.proceed();
        } finally {
            metrics.request(res.status().code());
        }
    }

    private void authenticate(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        if (options.apiKeys().isEmpty() || path.equals("/health") || req.prologue().method() == Method.OPTIONS) {
            chain.proceed();
            return;
        }
        String auth = req.headers().first(HeaderNames.AUTHORIZATION).orElse("");
        String key = auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
        if (key == null) key = req.headers().first(HeaderNames.create("x-api-key")).orElse(null);
        if (key != null && keyMatches(key)) {
            chain.proceed();
            return;
        }
        if (path.startsWith("/api/")) OllamaApi.sendError(res, ApiException.unauthorized());
        else sendError(res, ApiException.unauthorized());
    }

    /** Compares in constant time against every configured key. */
    private boolean keyMatches(String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (String want : options.apiKeys()) ok |= MessageDigest.isEqual(k, want.getBytes(StandardCharsets.UTF_8));
        return ok;
    }

    // ---- simple endpoints ------------------------------------------------------------------------

    private void health(ServerRequest req, ServerResponse res) {
        ObjectNode o = Json.object();
        boolean up = engine.isRunning();
        o.put("status", up ? "ok" : "error");
        res.status(up ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503);
        sendJson(res, o);
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        res.send(metrics.render().getBytes(StandardCharsets.UTF_8));
    }

    // ---- helpers shared by the front ends ---------------------------------------------------------

    /** An endpoint that may throw {@link ApiException} (and is interrupted only when the server stops). */
    interface Endpoint {
        void handle(ServerRequest req, ServerResponse res) throws Exception;
    }

    /** Wraps an OpenAI endpoint: errors become OpenAI's JSON error shape. */
    private Handler guard(Endpoint e) {
        return (req, res) -> {
            try {
                e.handle(req, res);
            } catch (ApiException x) {
                if (!res.isSent()) sendError(res, x);
            } catch (ClientGoneException x) {
                LOG.log(System.Logger.Level.DEBUG, "client of " + req.path().path() + " disconnected; request cancelled");
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                if (!res.isSent()) sendError(res, new ApiException(503, "server_error", "unavailable", null, "the server is shutting down", null));
            } catch (RuntimeException | Error x) {
                LOG.log(System.Logger.Level.ERROR, "request " + req.path().path() + " failed", x);
                if (!res.isSent()) sendError(res, ApiException.internal("internal error: " + x));
            }
        };
    }

    /** Wraps an Ollama endpoint: errors become {"error": "..."}. */
    private Handler guardOllama(Endpoint e) {
        return (req, res) -> {
            try {
                e.handle(req, res);
            } catch (ApiException x) {
                if (!res.isSent()) OllamaApi.sendError(res, x);
            } catch (ClientGoneException x) {
                LOG.log(System.Logger.Level.DEBUG, "client of " + req.path().path() + " disconnected; request cancelled");
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                if (!res.isSent()) OllamaApi.sendError(res, new ApiException(503, "server_error", null, null, "the server is shutting down", null));
            } catch (RuntimeException | Error x) {
                LOG.log(System.Logger.Level.ERROR, "request " + req.path().path() + " failed", x);
                if (!res.isSent()) OllamaApi.sendError(res, ApiException.internal("internal error: " + x));
            }
        };
    }

    /** The request body, at most {@link ServerOptions#maxBodyBytes()} (413 beyond), parsed as a JSON object. */
    ObjectNode readJson(ServerRequest req) {
        long limit = options.maxBodyBytes();
        OptionalLong declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > limit) throw ApiException.tooLarge(limit);
        if (!req.content().hasEntity()) throw ApiException.badRequest(null, "Request body is empty: send a JSON object");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (InputStream in = req.content().inputStream()) {
            byte[] chunk = new byte[8192];
            for (int n; (n = in.read(chunk)) > 0; ) {
                if (buf.size() + n > limit) throw ApiException.tooLarge(limit);
                buf.write(chunk, 0, n);
            }
        } catch (IOException e) {
            throw ApiException.badRequest(null, "cannot read the request body: " + e.getMessage());
        }
        return Json.parseObject(buf.toByteArray());
    }

    /** Checks a request's "model" field: absent, the served id, or the file name are fine. */
    void checkModel(String model) {
        if (model == null || model.isEmpty() || model.equals(options.modelId())) return;
        String file = engine.model().path().getFileName().toString();
        if (model.equals(file) || model.equals(stripGguf(file))) return;
        throw ApiException.modelNotFound(model, options.modelId());
    }

    static String stripGguf(String name) {
        return name.toLowerCase(java.util.Locale.ROOT).endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
    }

    static void sendJson(ServerResponse res, com.fasterxml.jackson.databind.JsonNode body) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.bytes(body));
    }

    /** OpenAI's error shape with the exception's status (and Retry-After when it has one). */
    static void sendError(ServerResponse res, ApiException e) {
        ObjectNode err = Json.object();
        ObjectNode inner = err.putObject("error");
        inner.put("message", e.getMessage());
        inner.put("type", e.type());
        if (e.param() == null) inner.putNull("param");
        else inner.put("param", e.param());
        if (e.code() == null) inner.putNull("code");
        else inner.put("code", e.code());
        res.status(Status.create(e.status()));
        if (e.retryAfterSeconds() != null) res.header(HeaderNames.RETRY_AFTER, e.retryAfterSeconds().toString());
        sendJson(res, err);
    }
}
