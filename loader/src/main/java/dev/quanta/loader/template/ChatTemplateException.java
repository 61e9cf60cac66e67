package dev.quanta.loader.template;

/**
 * A chat template could not be found, parsed or rendered. The message is one line naming the
 * template and, for syntax and render errors, the line and column in the template source.
 */
public final class ChatTemplateException extends RuntimeException {
    private final boolean raisedByTemplate;

    public ChatTemplateException(String message) {
        this(message, null, false);
    }

    public ChatTemplateException(String message, Throwable cause, boolean raisedByTemplate) {
        super(message, cause);
        this.raisedByTemplate = raisedByTemplate;
    }

    /** True when the template itself rejected the input with {@code raise_exception(...)}. */
    public boolean raisedByTemplate() { return raisedByTemplate; }
}
