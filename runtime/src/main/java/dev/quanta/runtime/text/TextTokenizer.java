package dev.quanta.runtime.text;

/**
 * What generation needs from a model's tokenizer: text to ids, ids to bytes, the special ids.
 * {@link Tokenizers#forFile} builds it from a GGUF file's {@code tokenizer.*} keys.
 */
public interface TextTokenizer {
    int vocabSize();

    /**
     * Token ids of {@code text}.
     *
     * @param addSpecial   add BOS (and EOS) as the vocabulary asks ({@code tokenizer.ggml.add_bos_token})
     * @param parseSpecial recognise the text of special tokens (e.g. {@code <|im_start|>}) as those tokens
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** The bytes token {@code id} stands for in generated text (control tokens: empty). */
    byte[] pieceBytes(int id);

    /** The BOS id, or -1 when the vocabulary has none. */
    int bos();

    /** The EOS id, or -1. */
    int eos();

    /** True when {@link #encode} with addSpecial puts BOS first. */
    boolean addsBos();

    /** True for the tokens that end generation (EOS, EOT, EOM, ...). */
    boolean isEndOfGeneration(int id);

    /**
     * True when the decoder drops the leading space of the first token after BOS (SentencePiece
     * vocabularies that add a space prefix when encoding).
     */
    boolean stripsLeadingSpace();

    /** The text of token {@code id} as stored in the vocabulary (for special tokens in templates). */
    String tokenText(int id);
}
