package dev.quanta.runtime;

import java.nio.file.Path;

/**
 * Entry point for programs that embed Quanta.
 *
 * <pre>{@code
 * try (Model model = Quanta.load(ModelOptions.of(Path.of("model.gguf")).withContextLength(2048));
 *      Session session = model.newSession()) {
 *     GenerationOptions opts = GenerationOptions.defaults().withMaxTokens(128);
 *     session.generate("The capital of France is", opts, System.out::print);      // plain text
 *     session.reset();
 *     session.chat("Write a haiku about the sea.", opts, System.out::print);      // chat template
 * }
 * }</pre>
 *
 * Generation streams text to the callback as it is produced; {@link Session#cancel()} stops it from
 * another thread; closing the model frees device memory and unmaps the file.
 */
public final class Quanta {
    private Quanta() {}

    /**
     * Maps the GGUF file, reads its hyperparameters, tokenizer and chat template, chooses a backend
     * and places the weights on its device.
     *
     * @throws QuantaException (or {@link dev.quanta.loader.gguf.GgufException}) with a one-line reason:
     *         missing file, not GGUF, unsupported architecture or tensor type, missing key or tensor
     */
    public static Model load(ModelOptions options) {
        return Model.load(options);
    }

    /** {@link #load(ModelOptions)} with default options. */
    public static Model load(Path path) {
        return Model.load(ModelOptions.of(path));
    }
}
