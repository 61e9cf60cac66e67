package dev.quanta.runtime.serving;

import dev.quanta.runtime.QuantaException;

/** A prompt does not fit in a slot's context. */
public final class PromptTooLongException extends QuantaException {
    private final int promptTokens;
    private final int slotContext;

    public PromptTooLongException(int promptTokens, int slotContext) {
        super("the prompt is " + promptTokens + " tokens, longer than the context of " + slotContext
                + " tokens per slot; use a shorter prompt or a larger context (-c)");
        this.promptTokens = promptTokens;
        this.slotContext = slotContext;
    }

    public int promptTokens() { return promptTokens; }
    public int slotContext() { return slotContext; }
}
