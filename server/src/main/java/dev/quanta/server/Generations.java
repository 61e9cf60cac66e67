package dev.quanta.server;

import dev.quanta.loader.template.ChatMessage;
import dev.quanta.loader.template.ChatTemplateException;
import dev.quanta.runtime.StopReason;
import dev.quanta.runtime.serving.Completion;
import dev.quanta.runtime.serving.EngineBusyException;
import dev.quanta.runtime.serving.EngineEvent;
import dev.quanta.runtime.serving.GenerateRequest;
import dev.quanta.runtime.serving.PromptTooLongException;
import dev.quanta.runtime.serving.RequestHandle;
import dev.quanta.runtime.serving.ServingEngine;
import dev.quanta.runtime.serving.TokenLogprob;
import java.util.ArrayList;
import java.util.List;

/** What the OpenAI and Ollama front ends share: prompts to tokens, submitting, and reading a whole result. */
final class Generations {
    private Generations() {}

    /** Renders {@code messages} with the model's chat template (assistant header at the end) and tokenizes the prompt. */
    static int[] chatPrompt(ServingEngine engine, List<ChatMessage> messages) {
        try {
            return engine.chatPrompt(messages);
        } catch (ChatTemplateException e) {
            throw ApiException.badRequest("messages", e.getMessage());
        }
    }

    /** A plain-text prompt: BOS as the vocabulary wants it, special-token text recognised. */
    static int[] textPrompt(ServingEngine engine, String text) {
        int[] ids = engine.tokenizer().encode(text, true, true);
        if (ids.length == 0) throw ApiException.badRequest("prompt", "the prompt is empty and the vocabulary has no BOS token to start from");
        return ids;
    }

    /** Queues a generation, turning the engine's refusals into HTTP errors. */
    static RequestHandle submit(ServingEngine engine, int[] prompt, RequestParams.Sampling s, String promptParam) {
        GenerateRequest g;
        try {
            g = new GenerateRequest(prompt, s.maxTokens(), s.sampler(), s.stop(), s.ignoreEos(), s.topLogprobs());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(null, e.getMessage());
        }
        try {
            return engine.submit(g);
        } catch (PromptTooLongException e) {
            throw new ApiException(400, "invalid_request_error", "context_length_exceeded", promptParam, e.getMessage(), null);
        } catch (EngineBusyException e) {
            throw ApiException.busy(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(promptParam, e.getMessage());
        } catch (IllegalStateException e) {
            throw new ApiException(503, "server_error", "unavailable", null, e.getMessage(), 1);
        } catch (RuntimeException e) {
            throw new ApiException(503, "server_error", "unavailable", null, String.valueOf(e.getMessage()), 1);
        }
    }

    /** A whole generation: its text, the log-probabilities when asked for, and how it ended. */
    record Collected(Completion completion, List<TokenLogprob> logprobs) {}

    /** Reads every event of {@code h}; a failure becomes an {@link ApiException}. */
    static Collected collect(RequestHandle h) throws InterruptedException {
        List<TokenLogprob> lps = new ArrayList<>();
        while (true) {
            EngineEvent e = h.next();
            switch (e) {
                case EngineEvent.Token t -> {
                    if (t.logprob() != null) lps.add(t.logprob());
                }
                case EngineEvent.Done d -> {
                    return new Collected(d.completion(), lps);
                }
                case EngineEvent.Failed f -> throw failure(f);
                case EngineEvent.Embedding x -> throw ApiException.internal("unexpected embedding event");
            }
        }
    }

    /** The HTTP error for an engine failure. */
    static ApiException failure(EngineEvent.Failed f) {
        String m = f.message();
        if (m.startsWith("timed out waiting") || m.contains("shutting down") || m.startsWith("the engine stopped"))
            return new ApiException(503, "server_error", "unavailable", null, m, 1);
        return ApiException.internal(m);
    }

    /** OpenAI's finish_reason: "stop" (end of generation, stop string) or "length" (token limit, full context, time limit). */
    static String finishReason(Completion c) {
        return c.reason() == StopReason.MAX_TOKENS || c.reason() == StopReason.CONTEXT_FULL ? "length" : "stop";
    }
}
