package dev.quanta.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quanta.runtime.serving.Completion;
import dev.quanta.runtime.serving.EngineBusyException;
import dev.quanta.runtime.serving.EngineEvent;
import dev.quanta.runtime.serving.Pooling;
import dev.quanta.runtime.serving.PromptTooLongException;
import dev.quanta.runtime.serving.RequestHandle;
import dev.quanta.runtime.serving.ServingEngine;
import dev.quanta.runtime.serving.TokenLogprob;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * OpenAI's API: {@code POST /v1/chat/completions}, {@code POST /v1/completions} (streaming as
 * server-sent events ending with {@code data: [DONE]}, or one JSON answer), {@code POST /v1/embeddings},
 * {@code GET /v1/models}. Response shapes follow OpenAI's reference, usage counts included in every
 * answer (in the last chunk of a stream when {@code stream_options.include_usage} is set).
 */
final class OpenAiApi {
    private final QuantaServer server;
    private final ServingEngine engine;

    OpenAiApi(QuantaServer server) {
        this.server = server;
        this.engine = server.engine();
    }

    // ---- models ------------------------------------------------------------------------------------

    void models(ServerRequest req, ServerResponse res) {
        ObjectNode o = Json.object();
        o.put("object", "list");
        o.putArray("data").add(modelObject());
        QuantaServer.sendJson(res, o);
    }

    void model(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        server.checkModel(id);
        QuantaServer.sendJson(res, modelObject());
    }

    private ObjectNode modelObject() {
        ObjectNode m = Json.object();
        m.put("id", server.options().modelId());
        m.put("object", "model");
        m.put("created", server.startedEpochSeconds());
        m.put("owned_by", "quanta");
        return m;
    }

    // ---- chat and text completions -----------------------------------------------------------------

    void chat(ServerRequest req, ServerResponse res) throws InterruptedException {
        ObjectNode body = server.readJson(req);
        server.checkModel(Json.text(body, "model", null));
        RequestParams.Sampling s = RequestParams.openAi(body, engine.model().config().nVocab(), true);
        int[] prompt = Generations.chatPrompt(engine, RequestParams.messages(body));
        generate(res, body, prompt, s, true);
    }

    void completions(ServerRequest req, ServerResponse res) throws InterruptedException {
        ObjectNode body = server.readJson(req);
        server.checkModel(Json.text(body, "model", null));
        RequestParams.Sampling s = RequestParams.openAi(body, engine.model().config().nVocab(), false);
        if (Json.bool(body, "echo", false)) throw ApiException.badRequest("echo", "'echo' is not supported");
        if (Json.field(body, "suffix") != null) throw ApiException.badRequest("suffix", "'suffix' is not supported");
        generate(res, body, completionPrompt(body), s, false);
    }

    /** "prompt": a string, a list of one string, or a list of token ids. */
    private int[] completionPrompt(JsonNode body) {
        JsonNode p = Json.field(body, "prompt");
        if (p == null) throw ApiException.badRequest("prompt", "'prompt' is required");
        if (p.isTextual()) return Generations.textPrompt(engine, p.asText());
        if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) return Generations.textPrompt(engine, p.get(0).asText());
        if (p.isArray() && !p.isEmpty() && p.get(0).isIntegralNumber()) {
            int[] ids = new int[p.size()];
            for (int i = 0; i < ids.length; i++) {
                if (!p.get(i).isIntegralNumber()) throw ApiException.badRequest("prompt", "'prompt' must be a string or a list of token ids");
                ids[i] = p.get(i).asInt();
            }
            return ids;
        }
        if (p.isArray() && p.size() > 1) throw ApiException.badRequest("prompt", "one prompt per request: send separate requests for a list of prompts");
        throw ApiException.badRequest("prompt", "'prompt' must be a string or a list of token ids");
    }

    private void generate(ServerResponse res, ObjectNode body, int[] prompt, RequestParams.Sampling s, boolean chat)
            throws InterruptedException {
        boolean stream = Json.bool(body, "stream", false);
        boolean includeUsage = false;
        JsonNode so = Json.field(body, "stream_options");
        if (so != null) {
            if (!so.isObject()) throw ApiException.badRequest("stream_options", "'stream_options' must be an object");
            includeUsage = Json.bool(so, "include_usage", false);
        }
        String id = (chat ? "chatcmpl-" : "cmpl-") + HexFormat.of().formatHex(randomBytes());
        long created = System.currentTimeMillis() / 1000;
        RequestHandle h = Generations.submit(engine, prompt, s, chat ? "messages" : "prompt");
        boolean finished = false;
        try {
            if (stream) stream(res, h, id, created, chat, includeUsage, s.topLogprobs() >= 0);
            else answer(res, h, id, created, chat);
            finished = true;
        } finally {
            if (!finished) h.cancel();
        }
    }

    private void answer(ServerResponse res, RequestHandle h, String id, long created, boolean chat) throws InterruptedException {
        Generations.Collected r = Generations.collect(h);
        Completion c = r.completion();
        ObjectNode o = head(id, created, chat ? "chat.completion" : "text_completion");
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", 0);
        if (chat) {
            ObjectNode msg = choice.putObject("message");
            msg.put("role", "assistant");
            msg.put("content", c.text());
            msg.putNull("refusal");
            if (h != null && !r.logprobs().isEmpty()) choice.set("logprobs", chatLogprobs(r.logprobs()));
            else choice.putNull("logprobs");
        } else {
            choice.put("text", c.text());
            if (!r.logprobs().isEmpty()) choice.set("logprobs", textLogprobs(r.logprobs(), 0));
            else choice.putNull("logprobs");
        }
        choice.put("finish_reason", Generations.finishReason(c));
        o.set("usage", usage(c));
        server.metricsRegistry().usage(c.promptTokens(), c.generatedTokens());
        QuantaServer.sendJson(res, o);
    }

    /**
     * Streams the answer as server-sent events. The first event is awaited before the response
     * starts, so that a failure before any token is still a proper HTTP error.
     */
    private void stream(ServerResponse res, RequestHandle h, String id, long created, boolean chat, boolean includeUsage,
                        boolean logprobs) throws InterruptedException {
        EngineEvent first = h.next();
        if (first instanceof EngineEvent.Failed f) throw Generations.failure(f);
        try (EventStreamWriter sink = new EventStreamWriter(res)) {
            String objectName = chat ? "chat.completion.chunk" : "text_completion";
            if (chat) { // the role comes first, in a chunk of its own
                ObjectNode c = chunk(id, created, objectName, includeUsage);
                ObjectNode d = c.withArray("choices").addObject().put("index", 0).putObject("delta");
                d.put("role", "assistant");
                d.put("content", "");
                ((ObjectNode) c.withArray("choices").get(0)).putNull("logprobs").putNull("finish_reason");
                emit(sink, c);
            }
            int textOffset = 0;
            for (EngineEvent e = first; ; e = h.next()) {
                switch (e) {
                    case EngineEvent.Token t -> {
                        if (t.text().isEmpty() && (t.logprob() == null || !logprobs)) continue;
                        ObjectNode c = chunk(id, created, objectName, includeUsage);
                        ObjectNode choice = c.withArray("choices").addObject().put("index", 0);
                        List<TokenLogprob> lp = t.logprob() == null ? List.of() : List.of(t.logprob());
                        if (chat) {
                            choice.putObject("delta").put("content", t.text());
                            if (!lp.isEmpty()) choice.set("logprobs", chatLogprobs(lp));
                            else choice.putNull("logprobs");
                        } else {
                            choice.put("text", t.text());
                            if (!lp.isEmpty()) choice.set("logprobs", textLogprobs(lp, textOffset));
                            else choice.putNull("logprobs");
                        }
                        textOffset += t.text().length();
                        choice.putNull("finish_reason");
                        emit(sink, c);
                    }
                    case EngineEvent.Done d -> {
                        Completion done = d.completion();
                        ObjectNode c = chunk(id, created, objectName, includeUsage);
                        ObjectNode choice = c.withArray("choices").addObject().put("index", 0);
                        if (chat) choice.putObject("delta");
                        else choice.put("text", "");
                        choice.putNull("logprobs");
                        choice.put("finish_reason", Generations.finishReason(done));
                        emit(sink, c);
                        if (includeUsage) {
                            ObjectNode u = chunk(id, created, objectName, false);
                            u.putArray("choices");
                            u.set("usage", usage(done));
                            emit(sink, u);
                        }
                        server.metricsRegistry().usage(done.promptTokens(), done.generatedTokens());
                        emit(sink, "[DONE]");
                        return;
                    }
                    case EngineEvent.Failed f -> {
                        ApiException x = Generations.failure(f);
                        ObjectNode err = Json.object();
                        err.putObject("error").put("message", x.getMessage()).put("type", x.type()).putNull("param").putNull("code");
                        emit(sink, err);
                        return;
                    }
                    case EngineEvent.Embedding x -> throw ApiException.internal("unexpected embedding event");
                }
            }
        }
    }

    private static void emit(EventStreamWriter sink, ObjectNode o) {
        sink.data(Json.string(o));
    }

    private static void emit(EventStreamWriter sink, String data) {
        sink.data(data);
    }

    private ObjectNode head(String id, long created, String object) {
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("object", object);
        o.put("created", created);
        o.put("model", server.options().modelId());
        o.put("system_fingerprint", "quanta");
        return o;
    }

    private ObjectNode chunk(String id, long created, String object, boolean usageNull) {
        ObjectNode o = head(id, created, object);
        if (usageNull) o.putNull("usage");
        return o;
    }

    private static ObjectNode usage(Completion c) {
        ObjectNode u = Json.object();
        u.put("prompt_tokens", c.promptTokens());
        u.put("completion_tokens", c.generatedTokens());
        u.put("total_tokens", c.promptTokens() + c.generatedTokens());
        u.putObject("prompt_tokens_details").put("cached_tokens", c.cachedTokens());
        return u;
    }

    /** Chat log-probabilities: {"content": [{token, logprob, bytes, top_logprobs: [...]}], "refusal": null}. */
    private static ObjectNode chatLogprobs(List<TokenLogprob> lps) {
        ObjectNode o = Json.object();
        ArrayNode content = o.putArray("content");
        for (TokenLogprob lp : lps) {
            ObjectNode e = tokenEntry(lp);
            ArrayNode top = e.putArray("top_logprobs");
            for (TokenLogprob t : lp.top()) top.add(tokenEntry(t));
            content.add(e);
        }
        o.putNull("refusal");
        return o;
    }

    private static ObjectNode tokenEntry(TokenLogprob lp) {
        ObjectNode e = Json.object();
        e.put("token", lp.text());
        e.put("logprob", lp.logprob());
        ArrayNode b = e.putArray("bytes");
        for (byte x : lp.bytes()) b.add(x & 0xff);
        return e;
    }

    /** Legacy completion log-probabilities: {tokens, token_logprobs, top_logprobs: [{token: logprob}], text_offset}. */
    private static ObjectNode textLogprobs(List<TokenLogprob> lps, int offset0) {
        ObjectNode o = Json.object();
        ArrayNode tokens = o.putArray("tokens"), values = o.putArray("token_logprobs"), top = o.putArray("top_logprobs"),
                offsets = o.putArray("text_offset");
        int off = offset0;
        for (TokenLogprob lp : lps) {
            tokens.add(lp.text());
            values.add(lp.logprob());
            ObjectNode t = top.addObject();
            for (TokenLogprob x : lp.top()) t.put(x.text(), x.logprob());
            offsets.add(off);
            off += lp.text().length();
        }
        return o;
    }

    // ---- embeddings --------------------------------------------------------------------------------

    void embeddings(ServerRequest req, ServerResponse res) throws InterruptedException {
        ObjectNode body = server.readJson(req);
        server.checkModel(Json.text(body, "model", null));
        String format = Json.text(body, "encoding_format", "float");
        if (!format.equals("float") && !format.equals("base64"))
            throw ApiException.badRequest("encoding_format", "'encoding_format' must be \"float\" or \"base64\"");
        if (Json.field(body, "dimensions") != null && Json.integer(body, "dimensions", 0, 1, Integer.MAX_VALUE) != engine.model().config().nEmbd())
            throw ApiException.badRequest("dimensions", "'dimensions' must be the model's embedding size " + engine.model().config().nEmbd());
        Pooling pooling = server.options().pooling();
        String p = Json.text(body, "pooling", null);
        if (p != null) {
            try {
                pooling = Pooling.valueOf(p.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("pooling", "'pooling' must be \"mean\" or \"last\"");
            }
        }
        List<int[]> inputs = embeddingInputs(body);
        // submit all, then collect: the engine batches them
        List<RequestHandle> hs = new ArrayList<>();
        try {
            for (int[] in : inputs) {
                try {
                    hs.add(engine.embed(in, pooling));
                } catch (PromptTooLongException e) {
                    throw new ApiException(400, "invalid_request_error", "context_length_exceeded", "input", e.getMessage(), null);
                } catch (EngineBusyException e) {
                    throw ApiException.busy(e.getMessage());
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("input", e.getMessage());
                }
            }
            ObjectNode o = Json.object();
            o.put("object", "list");
            ArrayNode data = o.putArray("data");
            int tokens = 0;
            for (int i = 0; i < hs.size(); i++) {
                EngineEvent e = hs.get(i).next();
                if (e instanceof EngineEvent.Failed f) throw Generations.failure(f);
                if (!(e instanceof EngineEvent.Embedding emb)) throw ApiException.internal("unexpected event " + e);
                tokens += emb.promptTokens();
                ObjectNode d = data.addObject();
                d.put("object", "embedding");
                d.put("index", i);
                if (format.equals("float")) {
                    ArrayNode v = d.putArray("embedding");
                    for (float x : emb.vector()) v.add(x);
                } else {
                    ByteBuffer bb = ByteBuffer.allocate(emb.vector().length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    for (float x : emb.vector()) bb.putFloat(x);
                    d.put("embedding", Base64.getEncoder().encodeToString(bb.array()));
                }
            }
            o.put("model", server.options().modelId());
            ObjectNode u = o.putObject("usage");
            u.put("prompt_tokens", tokens);
            u.put("total_tokens", tokens);
            server.metricsRegistry().usage(tokens, 0);
            QuantaServer.sendJson(res, o);
            hs.clear();
        } finally {
            for (RequestHandle h : hs) h.cancel();
        }
    }

    /** "input": a string, a list of strings, a list of token ids, or a list of such lists. */
    private List<int[]> embeddingInputs(JsonNode body) {
        JsonNode in = Json.field(body, "input");
        if (in == null) throw ApiException.badRequest("input", "'input' is required");
        List<int[]> out = new ArrayList<>();
        if (in.isTextual()) {
            out.add(embedText(in.asText()));
        } else if (in.isArray() && !in.isEmpty() && in.get(0).isIntegralNumber()) {
            out.add(ids(in));
        } else if (in.isArray() && !in.isEmpty()) {
            for (JsonNode e : in) {
                if (e.isTextual()) out.add(embedText(e.asText()));
                else if (e.isArray()) out.add(ids(e));
                else throw ApiException.badRequest("input", "'input' must be a string, a list of strings or a list of token id lists");
            }
        } else {
            throw ApiException.badRequest("input", "'input' must be a string, a list of strings or a list of token id lists");
        }
        if (out.size() > 256) throw ApiException.badRequest("input", "at most 256 inputs per request, got " + out.size());
        return out;
    }

    private int[] embedText(String s) {
        if (s.isEmpty()) throw ApiException.badRequest("input", "'input' must not be an empty string");
        return engine.tokenizer().encode(s, true, true);
    }

    private static int[] ids(JsonNode a) {
        if (a.isEmpty()) throw ApiException.badRequest("input", "a token id list must not be empty");
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            if (!a.get(i).isIntegralNumber()) throw ApiException.badRequest("input", "token id lists must hold integers");
            r[i] = a.get(i).asInt();
        }
        return r;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[12];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }
}
