package dev.quanta.server.models;

import java.util.List;

/** A request named a model the registry does not have (or named none where one must be named). */
public final class UnknownModelException extends RuntimeException {
    private final String name;
    private final List<String> available;

    public UnknownModelException(String name, List<String> available) {
        super(message(name, available));
        this.name = name;
        this.available = List.copyOf(available);
    }

    /** The name asked for (null or empty when none was given). */
    public String name() { return name; }

    /** The ids that are available. */
    public List<String> available() { return available; }

    private static String message(String name, List<String> available) {
        String have = available.isEmpty() ? "no models are available" : "available: " + String.join(", ", available);
        if (name == null || name.isBlank()) return "no model named in the request ('model'); " + have;
        return "The model '" + name + "' does not exist; " + have;
    }
}
