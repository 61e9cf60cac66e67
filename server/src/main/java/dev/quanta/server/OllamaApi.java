package dev.quanta.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quanta.kernels.GgmlType;
import dev.quanta.loader.gguf.GgufTensorInfo;
import dev.quanta.loader.template.ChatMessage;
import dev.quanta.runtime.serving.Completion;
import dev.quanta.runtime.serving.EngineEvent;
import dev.quanta.runtime.serving.RequestHandle;
import dev.quanta.runtime.serving.ServingEngine;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Ollama's API as a second front end on the same engine: {@code POST /api/chat},
 * {@code POST /api/generate} (streaming NDJSON by default, one object with {@code "stream": false}),
 * {@code GET /api/tags}, {@code GET /api/version}. Errors are {@code {"error": "..."}}.
 */
final class OllamaApi {
    private final QuantaServer server;
    private final ServingEngine engine;

    OllamaApi(QuantaServer server) {
        this.server = server;
        this.engine = server.engine();
    }

    static void sendError(ServerResponse res, ApiException e) {
        ObjectNode o = Json.object();
        o.put("error", e.getMessage());
        res.status(Status.create(e.status()));
        if (e.retryAfterSeconds() != null) res.header(HeaderNames.RETRY_AFTER, e.retryAfterSeconds().toString());
        QuantaServer.sendJson(res, o);
    }

    void version(ServerRequest req, ServerResponse res) {
        QuantaServer.sendJson(res, Json.object().put("version", "0.1.0"));
    }

    void tags(ServerRequest req, ServerResponse res) throws IOException {
        ObjectNode o = Json.object();
        ObjectNode m = o.putArray("models").addObject();
        String name = server.options().modelId();
        m.put("name", name);
        m.put("model", name);
        m.put("modified_at", Files.getLastModifiedTime(engine.model().path()).toInstant().toString());
        m.put("size", Files.size(engine.model().path()));
        m.put("digest", "");
        ObjectNode d = m.putObject("details");
        String arch = engine.model().config().arch();
        d.put("parent_model", "");
        d.put("format", "gguf");
        d.put("family", arch);
        d.putArray("families").add(arch);
        long params = 0;
        Map<GgmlType, Long> bytes = new EnumMap<>(GgmlType.class);
        for (GgufTensorInfo t : engine.model().file().tensors()) {
            params += t.nelements();
            bytes.merge(t.type(), t.byteSize(), Long::sum);
        }
        d.put("parameter_size", params >= 1e9 ? String.format(Locale.ROOT, "%.1fB", params / 1e9)
                : params >= 1e6 ? String.format(Locale.ROOT, "%.1fM", params / 1e6) : params + "");
        d.put("quantization_level", bytes.entrySet().stream().max(Map.Entry.comparingByValue()).map(e -> e.getKey().name()).orElse(""));
        QuantaServer.sendJson(res, o);
    }

    void chat(ServerRequest req, ServerResponse res) throws InterruptedException {
        ObjectNode body = server.readJson(req);
        checkModel(body);
        RequestParams.Sampling s = RequestParams.ollama(body);
        List<ChatMessage> msgs = RequestParams.messages(body);
        run(res, body, Generations.chatPrompt(engine, msgs), s, true);
    }

    void generate(ServerRequest req, ServerResponse res) throws InterruptedException {
        ObjectNode body = server.readJson(req);
        checkModel(body);
        RequestParams.Sampling s = RequestParams.ollama(body);
        String prompt = Json.text(body, "prompt", "");
        if (prompt.isEmpty()) { // Ollama's way to load a model: answer done at once
            ObjectNode o = line(true);
            o.put("response", "");
            o.put("done_reason", "load");
            QuantaServer.sendJson(res, o);
            return;
        }
        int[] ids;
        if (Json.bool(body, "raw", false)) {
            ids = Generations.textPrompt(engine, prompt);
        } else {
            List<ChatMessage> msgs = new ArrayList<>();
            String system = Json.text(body, "system", null);
            if (system != null && !system.isEmpty()) msgs.add(ChatMessage.system(system));
            msgs.add(ChatMessage.user(prompt));
            ids = Generations.chatPrompt(engine, msgs);
        }
        run(res, body, ids, s, false);
    }

    private void checkModel(JsonNode body) {
        String m = Json.text(body, "model", null);
        if (m != null && m.endsWith(":latest")) m = m.substring(0, m.length() - ":latest".length());
        try {
            server.checkModel(m);
        } catch (ApiException e) {
            throw new ApiException(404, e.type(), e.code(), e.param(), "model '" + Json.text(body, "model", "") + "' not found", null);
        }
    }

    private void run(ServerResponse res, ObjectNode body, int[] prompt, RequestParams.Sampling s, boolean chat)
            throws InterruptedException {
        boolean stream = Json.bool(body, "stream", true);
        long t0 = System.nanoTime();
        RequestHandle h = Generations.submit(engine, prompt, s, chat ? "messages" : "prompt");
        boolean finished = false;
        try {
            if (!stream) {
                Completion c = Generations.collect(h).completion();
                ObjectNode o = line(true);
                text(o, chat, c.text());
                summary(o, c, t0);
                server.metricsRegistry().usage(c.promptTokens(), c.generatedTokens());
                QuantaServer.sendJson(res, o);
            } else {
                EngineEvent first = h.next();
                if (first instanceof EngineEvent.Failed f) throw Generations.failure(f);
                res.header(HeaderNames.CONTENT_TYPE, "application/x-ndjson");
                try (OutputStream out = res.outputStream()) {
                    for (EngineEvent e = first; ; e = h.next()) {
                        if (e instanceof EngineEvent.Token t) {
                            if (t.text().isEmpty()) continue;
                            ObjectNode o = line(false);
                            text(o, chat, t.text());
                            write(out, o);
                        } else if (e instanceof EngineEvent.Done d) {
                            ObjectNode o = line(true);
                            text(o, chat, "");
                            summary(o, d.completion(), t0);
                            server.metricsRegistry().usage(d.completion().promptTokens(), d.completion().generatedTokens());
                            write(out, o);
                            break;
                        } else if (e instanceof EngineEvent.Failed f) {
                            write(out, Json.object().put("error", f.message()));
                            break;
                        }
                    }
                } catch (IOException e) {
                    throw new ClientGoneException(e);
                }
            }
            finished = true;
        } finally {
            if (!finished) h.cancel();
        }
    }

    private static void write(OutputStream out, ObjectNode o) {
        try {
            out.write(Json.bytes(o));
            out.write('\n');
            out.flush();
        } catch (IOException | RuntimeException e) {
            throw new ClientGoneException(e);
        }
    }

    private ObjectNode line(boolean done) {
        ObjectNode o = Json.object();
        o.put("model", server.options().modelId());
        o.put("created_at", Instant.now().toString());
        o.put("done", done);
        return o;
    }

    private static void text(ObjectNode o, boolean chat, String text) {
        if (chat) o.putObject("message").put("role", "assistant").put("content", text);
        else o.put("response", text);
    }

    private static void summary(ObjectNode o, Completion c, long t0) {
        o.put("done_reason", Generations.finishReason(c));
        o.put("total_duration", System.nanoTime() - t0);
        o.put("load_duration", 0);
        o.put("prompt_eval_count", c.promptTokens());
        o.put("prompt_eval_duration", (long) (c.promptMillis() * 1e6));
        o.put("eval_count", c.generatedTokens());
        o.put("eval_duration", (long) (c.generateMillis() * 1e6));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
