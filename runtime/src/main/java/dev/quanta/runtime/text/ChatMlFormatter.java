package dev.quanta.runtime.text;

import dev.quanta.runtime.ChatMessage;
import java.util.List;

/**
 * ChatML ({@code <|im_start|>role\ncontent<|im_end|>\n}), the format llama.cpp falls back to when a
 * model has no chat template of its own.
 */
public final class ChatMlFormatter implements ChatFormatter {
    private final String name;

    public ChatMlFormatter(String name) {
        this.name = name;
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) sb.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
        if (addGenerationPrompt) sb.append("<|im_start|>assistant\n");
        return sb.toString();
    }

    @Override
    public String name() {
        return name;
    }
}
