package dev.quanta.loader.template.jinja;

/**
 * The template itself called {@code raise_exception(message)} — e.g. "Conversation roles must
 * alternate user/assistant/user/assistant/..." — to reject the messages it was given.
 */
public final class TemplateRaisedException extends JinjaException {
    private final String raisedMessage;

    public TemplateRaisedException(String templateName, int line, int column, String raisedMessage) {
        super(templateName, line, column, "raise_exception: " + raisedMessage);
        this.raisedMessage = raisedMessage;
    }

    /** The message the template passed to {@code raise_exception}. */
    public String raisedMessage() { return raisedMessage; }
}
