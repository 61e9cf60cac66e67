package dev.quanta.runtime;

/**
 * One turn of a conversation.
 *
 * @param role    "system", "user" or "assistant"
 * @param content the text
 */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        if (role == null || role.isBlank()) throw new IllegalArgumentException("chat message without a role");
        if (content == null) content = "";
    }

    public static ChatMessage system(String text) { return new ChatMessage("system", text); }
    public static ChatMessage user(String text) { return new ChatMessage("user", text); }
    public static ChatMessage assistant(String text) { return new ChatMessage("assistant", text); }
}
