package dev.quanta.runtime.tools;

import java.util.Objects;

/**
 * One function call the model asked for, in OpenAI's {@code tool_calls} shape: {@code id},
 * {@code type: "function"}, {@code function.name}, {@code function.arguments} (a JSON string).
 *
 * @param id        the call id ({@code call_...}, or the model's own id when it wrote one)
 * @param name      the function name
 * @param arguments the arguments as JSON text (an object, {@code {}} when the model gave none)
 */
public record ToolCall(String id, String name, String arguments) {
    public ToolCall {
        Objects.requireNonNull(id, "tool call id");
        Objects.requireNonNull(name, "tool call name");
        Objects.requireNonNull(arguments, "tool call arguments");
    }

    /** Always "function". */
    public String type() {
        return "function";
    }
}
