package dev.quanta.runtime.text;

import dev.quanta.runtime.ChatMessage;
import java.util.List;

/** Renders a conversation into the prompt text a chat model was trained on (its chat template). */
public interface ChatFormatter {
    /**
     * @param addGenerationPrompt end with the assistant's turn header, so the model answers next
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);

    /** A short name for messages, e.g. "chatml" or "gguf template". */
    String name();
}
