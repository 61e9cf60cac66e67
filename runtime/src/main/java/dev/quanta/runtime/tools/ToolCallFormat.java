package dev.quanta.runtime.tools;

import java.util.List;
import java.util.function.Predicate;

/**
 * How a model family writes tool calls, as llama.cpp's chat parsers know them.
 */
public enum ToolCallFormat {
    /**
     * Llama 3.1+: a JSON object {@code {"name": ..., "parameters": {...}}} as the whole answer, or
     * {@code <|python_tag|>} followed by JSON or a built-in tool call ({@code brave_search.call(query="...")}),
     * or Python code (a call of the tool {@code python} with {@code {"code": ...}}).
     */
    LLAMA3("parameters", List.of("<|python_tag|>")),
    /** Qwen 2.5 / Hermes 2 Pro: {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>}, repeated. */
    HERMES("arguments", List.of("<tool_call>")),
    /** Mistral (Nemo, v3+): {@code [TOOL_CALLS][{"name": ..., "arguments": {...}, "id": ...}, ...]}. */
    MISTRAL("arguments", List.of("[TOOL_CALLS]")),
    /**
     * Any other model: the whole answer is a JSON object, {@code {"name": ..., "arguments": {...}}}
     * or {@code {"tool_calls": [{"name": ..., "arguments": ...}, ...]}}.
     */
    GENERIC("arguments", List.of());

    private final String argumentsKey;
    private final List<String> markers;

    ToolCallFormat(String argumentsKey, List<String> markers) {
        this.argumentsKey = argumentsKey;
        this.markers = markers;
    }

    /** The key the model writes the arguments under ("parameters" for Llama 3, else "arguments"). */
    public String argumentsKey() {
        return argumentsKey;
    }

    /** Texts that start a tool call. */
    public List<String> markers() {
        return markers;
    }

    /** Whether a JSON object at the very start of the answer is a tool call. */
    boolean jsonAtStart() {
        return this == LLAMA3 || this == GENERIC;
    }

    /**
     * Picks the format from the chat template's source (the markers it renders), then the
     * vocabulary's special tokens, then the architecture.
     *
     * @param templateSource the Jinja source of the chat template (may be null)
     * @param arch           {@code general.architecture}
     * @param vocabHas       whether the vocabulary has a token with this exact text
     */
    public static ToolCallFormat detect(String templateSource, String arch, Predicate<String> vocabHas) {
        String t = templateSource == null ? "" : templateSource;
        if (t.contains("<tool_call>")) return HERMES;
        if (t.contains("[TOOL_CALLS]")) return MISTRAL;
        if (t.contains("<|python_tag|>") || (t.contains("<|start_header_id|>") && t.contains("ipython"))) return LLAMA3;
        if (vocabHas.test("<tool_call>")) return HERMES;
        if (vocabHas.test("[TOOL_CALLS]")) return MISTRAL;
        if (vocabHas.test("<|python_tag|>")) return LLAMA3;
        return switch (arch == null ? "" : arch) {
            case "qwen2", "qwen2moe", "qwen3", "qwen3moe" -> HERMES;
            case "mistral3" -> MISTRAL;
            default -> GENERIC;
        };
    }

    /** The format of a loaded model (its chat template, vocabulary and architecture). */
    public static ToolCallFormat forModel(dev.quanta.runtime.Model model) {
        String src = model.chatTemplate() == null ? null : model.chatTemplate().source();
        Predicate<String> has = model.hasTokenizer() ? s -> model.tokenizer().tokenId(s) >= 0 : s -> false;
        return detect(src, model.config().arch(), has);
    }
}
