package dev.quanta.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quanta.loader.template.ChatMessage;
import dev.quanta.runtime.sampling.SamplerParams;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads the fields that OpenAI's chat and completion requests (and Ollama's {@code options}) share:
 * sampling, stop strings, token limits, log-probabilities. Every bad value is a 400 that names the field.
 */
final class RequestParams {
    /** Most stop strings a request may give. */
    static final int MAX_STOP = 16;

    private RequestParams() {}

    /** What a request asked for, before its prompt is known. */
    record Sampling(int maxTokens, SamplerParams sampler, List<String> stop, boolean ignoreEos, int topLogprobs) {}

    /**
     * OpenAI fields: max_tokens / max_completion_tokens, temperature, top_p, top_k, min_p, seed,
     * presence_penalty, frequency_penalty, repeat_penalty, logit_bias, stop, n, logprobs, top_logprobs,
     * ignore_eos. {@code chat}: logprobs is a boolean with top_logprobs (chat) or a count (completions).
     */
    static Sampling openAi(JsonNode o, int nVocab, boolean chat) {
        long n = Json.integer(o, "n", 1, 1, Integer.MAX_VALUE);
        if (n != 1) throw ApiException.badRequest("n", "'n' must be 1: this server generates one choice per request; send separate requests for more");
        long maxTokens = -1;
        if (Json.field(o, "max_completion_tokens") != null) maxTokens = Json.integer(o, "max_completion_tokens", -1, 1, Integer.MAX_VALUE);
        else if (Json.field(o, "max_tokens") != null) maxTokens = Json.integer(o, "max_tokens", -1, 1, Integer.MAX_VALUE);
        SamplerParams s = SamplerParams.defaults();
        s = s.withTemperature((float) Json.number(o, "temperature", s.temperature(), 0, 2));
        double topP = Json.number(o, "top_p", s.topP(), 0, 1);
        s = topP == 0 ? s.withTopP(1f).withTopK(1) : s.withTopP((float) topP);
        if (Json.field(o, "top_k") != null) s = s.withTopK((int) Json.integer(o, "top_k", 0, 0, Integer.MAX_VALUE));
        s = s.withMinP((float) Json.number(o, "min_p", s.minP(), 0, 1));
        s = s.withPresencePenalty((float) Json.number(o, "presence_penalty", 0, -2, 2));
        s = s.withFrequencyPenalty((float) Json.number(o, "frequency_penalty", 0, -2, 2));
        s = s.withRepeatPenalty((float) Json.number(o, "repeat_penalty", 1, 1e-3, 10));
        if (Json.field(o, "seed") != null) s = s.withSeed(Json.integer(o, "seed", -1, Long.MIN_VALUE, Long.MAX_VALUE));
        s = s.withLogitBias(logitBias(o, nVocab));
        int top = -1;
        if (chat) {
            boolean lp = Json.bool(o, "logprobs", false);
            long t = Json.integer(o, "top_logprobs", 0, 0, 20);
            if (Json.field(o, "top_logprobs") != null && !lp)
                throw ApiException.badRequest("top_logprobs", "'top_logprobs' needs 'logprobs': true");
            if (lp) top = (int) t;
        } else if (Json.field(o, "logprobs") != null) {
            top = (int) Json.integer(o, "logprobs", 0, 0, 20);
        }
        return new Sampling((int) maxTokens, s, stop(o, "stop"), Json.bool(o, "ignore_eos", false), top);
    }

    /**
     * Ollama's {@code options}: temperature, top_k, top_p, min_p, num_predict, seed, stop,
     * repeat_penalty, repeat_last_n, presence_penalty, frequency_penalty (others are ignored, as Ollama does).
     */
    static Sampling ollama(JsonNode body) {
        JsonNode o = Json.field(body, "options");
        if (o == null) o = Json.object();
        if (!o.isObject()) throw ApiException.badRequest("options", "'options' must be an object");
        SamplerParams s = SamplerParams.defaults();
        s = s.withTemperature((float) Json.number(o, "temperature", s.temperature(), 0, 100));
        s = s.withTopK((int) Json.integer(o, "top_k", s.topK(), 0, Integer.MAX_VALUE));
        double topP = Json.number(o, "top_p", s.topP(), 0, 1);
        s = topP == 0 ? s.withTopP(1f).withTopK(1) : s.withTopP((float) topP);
        s = s.withMinP((float) Json.number(o, "min_p", s.minP(), 0, 1));
        s = s.withRepeatPenalty((float) Json.number(o, "repeat_penalty", 1, 1e-3, 100));
        s = s.withPenaltyLastN((int) Json.integer(o, "repeat_last_n", s.penaltyLastN(), -1, Integer.MAX_VALUE));
        s = s.withPresencePenalty((float) Json.number(o, "presence_penalty", 0, -100, 100));
        s = s.withFrequencyPenalty((float) Json.number(o, "frequency_penalty", 0, -100, 100));
        if (Json.field(o, "seed") != null) s = s.withSeed(Json.integer(o, "seed", -1, Long.MIN_VALUE, Long.MAX_VALUE));
        long np = Json.integer(o, "num_predict", -1, -2, Integer.MAX_VALUE);
        int maxTokens = np <= 0 ? -1 : (int) np;
        if (np == 0) throw ApiException.badRequest("num_predict", "'num_predict' must not be 0");
        return new Sampling(maxTokens, s, stop(o, "stop"), false, -1);
    }

    /** "stop": a string or a list of strings. */
    static List<String> stop(JsonNode o, String name) {
        JsonNode n = Json.field(o, name);
        if (n == null) return List.of();
        List<String> out = new ArrayList<>();
        if (n.isTextual()) {
            out.add(n.asText());
        } else if (n.isArray()) {
            for (JsonNode e : n) {
                if (!e.isTextual()) throw ApiException.badRequest(name, "'" + name + "' must be a string or a list of strings");
                out.add(e.asText());
            }
        } else {
            throw ApiException.badRequest(name, "'" + name + "' must be a string or a list of strings");
        }
        if (out.size() > MAX_STOP) throw ApiException.badRequest(name, "at most " + MAX_STOP + " stop strings, got " + out.size());
        for (String s : out) if (s.isEmpty()) throw ApiException.badRequest(name, "stop strings must not be empty");
        return out;
    }

    /** "logit_bias": {"token id": bias in [-100, 100]}; -100 bans the token. */
    static Map<Integer, Float> logitBias(JsonNode o, int nVocab) {
        JsonNode n = Json.field(o, "logit_bias");
        if (n == null) return Map.of();
        if (!n.isObject()) throw ApiException.badRequest("logit_bias", "'logit_bias' must be an object of token id to bias");
        Map<Integer, Float> m = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id;
            try {
                id = Integer.parseInt(e.getKey().trim());
            } catch (NumberFormatException x) {
                throw ApiException.badRequest("logit_bias", "'logit_bias' key '" + e.getKey() + "' is not a token id");
            }
            if (id < 0 || id >= nVocab) throw ApiException.badRequest("logit_bias", "'logit_bias' token id " + id + " is outside the vocabulary (0.." + (nVocab - 1) + ")");
            if (!e.getValue().isNumber()) throw ApiException.badRequest("logit_bias", "'logit_bias' values must be numbers");
            double b = e.getValue().asDouble();
            if (!(b >= -100 && b <= 100)) throw ApiException.badRequest("logit_bias", "'logit_bias' values must be between -100 and 100, got " + b);
            m.put(id, b <= -100 ? Float.NEGATIVE_INFINITY : (float) b);
        }
        return m;
    }

    /**
     * "messages": [{role, content}] where content is a string, a list of parts
     * ([{"type": "text", "text": ...}]) or null (an assistant turn with tool calls).
     */
    static List<ChatMessage> messages(JsonNode body) {
        JsonNode n = Json.field(body, "messages");
        if (n == null) throw ApiException.badRequest("messages", "'messages' is required");
        if (!n.isArray() || n.isEmpty()) throw ApiException.badRequest("messages", "'messages' must be a non-empty list");
        List<ChatMessage> out = new ArrayList<>();
        int i = 0;
        for (JsonNode m : n) {
            String where = "messages[" + i++ + "]";
            if (!m.isObject()) throw ApiException.badRequest(where, "'" + where + "' must be an object");
            JsonNode r = Json.field(m, "role");
            if (r == null || !r.isTextual() || r.asText().isBlank()) throw ApiException.badRequest(where + ".role", "'" + where + ".role' must be a string");
            String role = r.asText().equals("developer") ? "system" : r.asText();
            String content = content(m, where);
            List<ChatMessage.ToolCall> calls = new ArrayList<>();
            JsonNode tc = Json.field(m, "tool_calls");
            if (tc != null) {
                if (!tc.isArray()) throw ApiException.badRequest(where + ".tool_calls", "'" + where + ".tool_calls' must be a list");
                for (JsonNode c : tc) {
                    JsonNode f = Json.field(c, "function");
                    if (f == null || !f.isObject()) throw ApiException.badRequest(where + ".tool_calls", "each tool call needs a 'function' object");
                    String args = Json.text(f, "arguments", "{}");
                    try {
                        calls.add(ChatMessage.ToolCall.ofJson(Json.text(c, "id", null), Json.text(f, "name", ""), args));
                    } catch (IllegalArgumentException e) {
                        throw ApiException.badRequest(where + ".tool_calls", e.getMessage());
                    }
                }
            }
            out.add(new ChatMessage(role, content, null, calls, Json.text(m, "tool_call_id", null), Json.text(m, "name", null)));
        }
        return out;
    }

    private static String content(JsonNode m, String where) {
        JsonNode c = Json.field(m, "content");
        if (c == null) return null;
        if (c.isTextual()) return c.asText();
        if (!c.isArray()) throw ApiException.badRequest(where + ".content", "'" + where + ".content' must be a string or a list of content parts");
        StringBuilder sb = new StringBuilder();
        for (JsonNode p : c) {
            String type = p.isObject() ? Json.text(p, "type", null) : null;
            if (type == null) throw ApiException.badRequest(where + ".content", "each content part needs a 'type'");
            if (!type.equals("text"))
                throw ApiException.badRequest(where + ".content", "content part type '" + type + "' is not supported: this model reads text only");
            if (!sb.isEmpty()) sb.append('\n');
            sb.append(Json.text(p, "text", ""));
        }
        return sb.toString();
    }
}
