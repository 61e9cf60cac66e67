package dev.quanta.loader.template.jinja;

/**
 * An error while compiling or rendering a Jinja template: the message is one line and names the
 * template and, where known, the line and column (1-based) of the construct at fault.
 */
public class JinjaException extends RuntimeException {
    private final String templateName;
    private final int line;
    private final int column;
    private final String detail;

    public JinjaException(String templateName, int line, int column, String detail) {
        super(format(templateName, line, column, detail));
        this.templateName = templateName;
        this.line = line;
        this.column = column;
        this.detail = detail;
    }

    private static String format(String name, int line, int column, String detail) {
        StringBuilder sb = new StringBuilder();
        sb.append(name == null ? "template" : name);
        if (line > 0) sb.append(" line ").append(line).append(", column ").append(column);
        return sb.append(": ").append(detail.replace('\n', ' ')).toString();
    }

    public String templateName() { return templateName; }

    /** 1-based line of the construct at fault, or 0 when unknown. */
    public int line() { return line; }

    /** 1-based column of the construct at fault, or 0 when unknown. */
    public int column() { return column; }

    /** The message without the template name and position. */
    public String detail() { return detail; }
}
