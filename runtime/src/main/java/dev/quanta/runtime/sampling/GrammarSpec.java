package dev.quanta.runtime.sampling;

import dev.quanta.runtime.grammar.JsonSchemaGrammar;
import java.util.List;
import java.util.Objects;

/**
 * What a constrained generation must produce: GBNF text, a JSON Schema, or any JSON object
 * (OpenAI's {@code response_format: json_object}). {@link #toGbnf()} turns each into GBNF;
 * {@code Model.grammar(spec)} compiles and caches it.
 *
 * @param kind what {@code text} is
 * @param text GBNF or JSON Schema text (empty for {@link Kind#JSON_OBJECT})
 */
public record GrammarSpec(Kind kind, String text) {
    /** The form of a grammar request. */
    public enum Kind {
        /** llama.cpp's GBNF; root rule {@code root}. */
        GBNF,
        /** A JSON Schema (see docs/structured-output.md for the supported keywords). */
        JSON_SCHEMA,
        /** Any JSON object. */
        JSON_OBJECT
    }

    public GrammarSpec {
        Objects.requireNonNull(kind, "grammar kind");
        text = text == null ? "" : text;
        if (kind != Kind.JSON_OBJECT && text.isBlank()) throw new IllegalArgumentException("empty " + describe(kind));
    }

    /** GBNF text (root rule {@code root}). */
    public static GrammarSpec gbnf(String gbnf) {
        return new GrammarSpec(Kind.GBNF, gbnf);
    }

    /** A JSON Schema, as JSON text. */
    public static GrammarSpec jsonSchema(String schemaJson) {
        return new GrammarSpec(Kind.JSON_SCHEMA, schemaJson);
    }

    /** Any JSON object. */
    public static GrammarSpec jsonObject() {
        return new GrammarSpec(Kind.JSON_OBJECT, "");
    }

    /** The GBNF and the schema constraints that are accepted but not enforced. */
    public record Converted(String gbnf, List<String> notEnforced) {}

    /**
     * Converts to GBNF.
     *
     * @throws dev.quanta.runtime.grammar.GrammarException when a JSON Schema is not valid JSON or
     *     uses a keyword that cannot be enforced
     */
    public Converted toGbnf() {
        return switch (kind) {
            case GBNF -> new Converted(text, List.of());
            case JSON_OBJECT -> new Converted(JsonSchemaGrammar.JSON_OBJECT_GBNF, List.of());
            case JSON_SCHEMA -> {
                JsonSchemaGrammar.Result r = JsonSchemaGrammar.fromSchema(text);
                yield new Converted(r.gbnf(), r.notEnforced());
            }
        };
    }

    /** "grammar", "JSON Schema" or "JSON mode", for messages. */
    public String describe() {
        return describe(kind);
    }

    private static String describe(Kind k) {
        return switch (k) {
            case GBNF -> "grammar";
            case JSON_SCHEMA -> "JSON Schema";
            case JSON_OBJECT -> "JSON mode";
        };
    }
}
