package dev.quanta.runtime.serving;

/** What the engine thread tells a request's thread, in order, through its {@link RequestHandle}. */
public sealed interface EngineEvent {
    /** A sampled token and the text it released (possibly empty: part of a character or of a possible stop string). */
    record Token(String text, int id, TokenLogprob logprob) implements EngineEvent {}

    /** The generation ended; the last event of a generation. */
    record Done(Completion completion) implements EngineEvent {}

    /** An embedding (L2-normalized); the last event of an embedding request. */
    record Embedding(float[] vector, int promptTokens) implements EngineEvent {}

    /** The request failed; the last event. */
    record Failed(String message) implements EngineEvent {}

    /** True for the events after which no other comes. */
    default boolean isFinal() {
        return !(this instanceof Token);
    }
}
