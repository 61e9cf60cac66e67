package dev.quanta.loader.tokenizer;

/** A vocabulary that cannot be turned into a tokenizer; the message names the key and what is wrong. */
public final class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(message);
    }
}
