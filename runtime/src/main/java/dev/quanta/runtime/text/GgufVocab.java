package dev.quanta.runtime.text;

import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufMetadata;
import dev.quanta.runtime.QuantaException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;

/**
 * The decoding side of a GGUF vocabulary ({@code tokenizer.ggml.*}): the bytes each token stands for,
 * the special ids and the end-of-generation set, as llama.cpp's {@code token_to_piece} and EOG rules
 * give them. SentencePiece vocabularies ({@code llama}) write a space as U+2581 and bytes as
 * {@code <0xNN>} tokens; byte-level BPE vocabularies ({@code gpt2}) map every byte to a printable
 * code point (GPT-2's table).
 */
public final class GgufVocab {
    /** Token types of {@code tokenizer.ggml.token_type}. */
    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    /** Token texts llama.cpp treats as end of generation (when the vocabulary marks them special). */
    private static final Set<String> EOG_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<EOT>", "<|end_of_text|>", "<｜end▁of▁sentence｜>", "<|eom_id|>");

    private final String model;
    private final String[] tokens;
    private final int[] types;
    private final byte[][] pieces;
    private final int bos, eos;
    private final boolean addBos, addSpacePrefix;
    private final Set<Integer> eog = new TreeSet<>();

    private GgufVocab(GgufFile file) {
        GgufMetadata m = file.metadata();
        this.model = m.getString("tokenizer.ggml.model");
        this.tokens = m.getStringArray("tokenizer.ggml.tokens");
        int n = tokens.length;
        this.types = m.has("tokenizer.ggml.token_type") ? m.getIntArray("tokenizer.ggml.token_type") : filled(n, NORMAL);
        if (types.length != n)
            throw new QuantaException(file.path() + ": 'tokenizer.ggml.token_type' has " + types.length + " entries for " + n + " tokens");
        boolean spm = model.equals("llama");
        this.bos = id(m, "tokenizer.ggml.bos_token_id", spm ? 1 : -1, n, file);
        this.eos = id(m, "tokenizer.ggml.eos_token_id", spm ? 2 : -1, n, file);
        this.addBos = m.getBool("tokenizer.ggml.add_bos_token", spm);
        this.addSpacePrefix = m.getBool("tokenizer.ggml.add_space_prefix", spm);
        if (eos >= 0) eog.add(eos);
        for (String k : new String[] {"tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
            int id = id(m, k, -1, n, file);
            if (id >= 0) eog.add(id);
        }
        for (int i = 0; i < n; i++) {
            if ((types[i] == CONTROL || types[i] == USER_DEFINED) && EOG_TEXTS.contains(tokens[i])) eog.add(i);
        }
        this.pieces = new byte[n][];
        for (int i = 0; i < n; i++) pieces[i] = piece(i);
    }

    /** The vocabulary of {@code file}, or null when the file has no {@code tokenizer.ggml.tokens}. */
    public static GgufVocab of(GgufFile file) {
        GgufMetadata m = file.metadata();
        if (!m.has("tokenizer.ggml.tokens") || !m.has("tokenizer.ggml.model")) return null;
        return new GgufVocab(file);
    }

    private static int[] filled(int n, int v) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static int id(GgufMetadata m, String key, int dflt, int n, GgufFile file) {
        if (!m.has(key)) return dflt;
        long v = m.getLong(key);
        if (v == -1 || v == 0xFFFFFFFFL) return -1;
        if (v < 0 || v >= n) throw new QuantaException(file.path() + ": metadata key '" + key + "' = " + v + " is not a token id (vocabulary of " + n + ")");
        return (int) v;
    }

    private byte[] piece(int id) {
        String t = tokens[id];
        int type = types[id];
        switch (type) {
            case CONTROL, UNUSED:
                return new byte[0];
            case UNKNOWN:
                return "\u2585".getBytes(StandardCharsets.UTF_8);
            case BYTE:
                if (t.length() == 6 && t.startsWith("<0x") && t.endsWith(">")) {
                    try {
                        return new byte[] {(byte) Integer.parseInt(t.substring(3, 5), 16)};
                    } catch (NumberFormatException e) {
                        return t.getBytes(StandardCharsets.UTF_8);
                    }
                }
                return t.getBytes(StandardCharsets.UTF_8);
            case USER_DEFINED:
                return t.getBytes(StandardCharsets.UTF_8);
            default:
                if (model.equals("gpt2")) return byteLevelDecode(t);
                return t.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
        }
    }

    /** GPT-2 byte-level BPE: every code point of a token stands for one byte. */
    static byte[] byteLevelDecode(String t) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        t.codePoints().forEach(cp -> {
            int b = BYTE_OF_CP.length > cp ? BYTE_OF_CP[cp] : -1;
            if (b >= 0) out.write(b);
            else out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
        });
        return out.toByteArray();
    }

    private static final int[] BYTE_OF_CP = new int[512];

    static {
        java.util.Arrays.fill(BYTE_OF_CP, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            int cp = printable ? b : 256 + n++;
            BYTE_OF_CP[cp] = b;
        }
    }

    public String model() { return model; }
    public int size() { return tokens.length; }
    public int bos() { return bos; }
    public int eos() { return eos; }
    public boolean addsBos() { return addBos && bos >= 0; }
    public boolean addSpacePrefix() { return addSpacePrefix; }
    public boolean isEndOfGeneration(int id) { return eog.contains(id); }
    public Set<Integer> endOfGeneration() { return java.util.Collections.unmodifiableSet(eog); }
    public String text(int id) { return tokens[id]; }
    public int type(int id) { return types[id]; }

    /** The bytes of token {@code id} in generated text. */
    public byte[] pieceBytes(int id) {
        if (id < 0 || id >= pieces.length) throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + pieces.length);
        return pieces[id].clone();
    }
}
