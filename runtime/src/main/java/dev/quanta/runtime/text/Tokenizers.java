package dev.quanta.runtime.text;

import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.runtime.QuantaException;

/** Builds a model's {@link TextTokenizer} and {@link ChatFormatter} from its GGUF metadata. */
public final class Tokenizers {
    private Tokenizers() {}

    /** The tokenizer of {@code file}, or null when it has no vocabulary. */
    public static TextTokenizer forFile(GgufFile file) {
        GgufVocab v = GgufVocab.of(file);
        if (v == null) return null;
        return new VocabTokenizer(v, null);
    }

    /** The chat template of {@code file}; ChatML (llama.cpp's fallback) when it has none. */
    public static ChatFormatter chatFormatter(GgufFile file, TextTokenizer tokenizer) {
        if (!file.metadata().has("tokenizer.chat_template")) return new ChatMlFormatter("chatml (the model has no chat template)");
        return new ChatMlFormatter("chatml (the model's own template cannot be rendered yet)");
    }

    /** Text encoding function of a vocabulary. */
    interface Encoder {
        int[] encode(String text, boolean addSpecial, boolean parseSpecial);
    }

    /** {@link GgufVocab} for decoding plus an encoder. */
    static final class VocabTokenizer implements TextTokenizer {
        private final GgufVocab v;
        private final Encoder enc;

        VocabTokenizer(GgufVocab v, Encoder enc) {
            this.v = v;
            this.enc = enc;
        }

        @Override public int vocabSize() { return v.size(); }

        @Override
        public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
            if (enc == null) {
                if (text.isEmpty()) return addSpecial && v.addsBos() ? new int[] {v.bos()} : new int[0];
                throw new QuantaException("cannot encode text: no tokenizer for tokenizer.ggml.model '" + v.model() + "'");
            }
            return enc.encode(text, addSpecial, parseSpecial);
        }

        @Override public byte[] pieceBytes(int id) { return v.pieceBytes(id); }
        @Override public int bos() { return v.bos(); }
        @Override public int eos() { return v.eos(); }
        @Override public boolean addsBos() { return v.addsBos(); }
        @Override public boolean isEndOfGeneration(int id) { return v.isEndOfGeneration(id); }
        @Override public boolean stripsLeadingSpace() { return v.model().equals("llama") && v.addSpacePrefix(); }
        @Override public String tokenText(int id) { return v.text(id); }
    }
}
