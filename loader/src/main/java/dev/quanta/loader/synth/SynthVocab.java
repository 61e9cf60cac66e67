package dev.quanta.loader.synth;

import dev.quanta.loader.gguf.GgufValue;
import dev.quanta.loader.gguf.GgufValueType;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * A small built-in SentencePiece-style vocabulary (tokenizer.ggml.model = "llama") of any size:
 * {@code <unk>}, {@code <s>}, {@code </s>}, the 256 byte-fallback tokens {@code <0x00>..<0xFF>}, then
 * pieces with decreasing scores: "▁", single characters, "▁"-prefixed letters, common English words,
 * then letter pairs, triples, ... until the requested size. Every piece is reachable from single
 * characters or bytes, so llama.cpp's SPM tokenizer can encode any text with it.
 */
public final class SynthVocab {
    private SynthVocab() {}

    static final String[] WORDS = {"the", "and", "to", "of", "a", "in", "was", "he", "she", "it", "that", "is", "for", "on", "with",
            "as", "his", "her", "they", "at", "be", "this", "had", "not", "but", "from", "by", "you", "one", "all", "were", "we",
            "when", "there", "can", "an", "so", "what", "up", "out", "said", "day", "time", "once", "upon", "little", "big", "happy",
            "Once", "The", "He", "She", "They", "Hello", "world", "model", "token", "Java", "quanta", "ing", "ed", "er", "ly"};

    /** The tokenizer keys of a vocabulary of {@code size} tokens (size >= 300). */
    public static Map<String, GgufValue> metadata(int size) {
        if (size < 300) throw new IllegalArgumentException("the built-in vocabulary needs at least 300 tokens, asked for " + size);
        LinkedHashSet<String> pieces = new LinkedHashSet<>();
        pieces.add("<unk>");
        pieces.add("<s>");
        pieces.add("</s>");
        for (int b = 0; b < 256; b++) pieces.add(String.format("<0x%02X>", b));
        int firstNormal = pieces.size();
        pieces.add("▁");
        String chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'\"-:;()";
        for (char c : chars.toCharArray()) add(pieces, size, String.valueOf(c));
        for (char c : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".toCharArray()) add(pieces, size, "▁" + c);
        for (String w : WORDS) {
            add(pieces, size, w);
            add(pieces, size, "▁" + w);
        }
        String lower = "etaoinshrdlcumwfgypbvkjxqz"; // frequency order
        for (int len = 2; pieces.size() < size; len++) {
            int[] idx = new int[len];
            while (pieces.size() < size) {
                StringBuilder sb = new StringBuilder(len);
                for (int i : idx) sb.append(lower.charAt(i));
                add(pieces, size, sb.toString());
                add(pieces, size, "▁" + sb);
                int k = len - 1;
                while (k >= 0 && ++idx[k] == lower.length()) idx[k--] = 0;
                if (k < 0) break;
            }
        }
        String[] tokens = pieces.toArray(new String[0]);
        float[] scores = new float[tokens.length];
        int[] types = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            types[i] = i == 0 ? 2 : i < 3 ? 3 : i < firstNormal ? 6 : 1; // unknown, control, byte, normal
            scores[i] = i < firstNormal ? 0f : -(i - firstNormal);
        }
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", GgufValue.ofString("llama"));
        m.put("tokenizer.ggml.pre", GgufValue.ofString("default"));
        m.put("tokenizer.ggml.tokens", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.STRING, tokens)));
        m.put("tokenizer.ggml.scores", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.FLOAT32, scores)));
        m.put("tokenizer.ggml.token_type", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.INT32, types)));
        m.put("tokenizer.ggml.bos_token_id", GgufValue.ofU32(1));
        m.put("tokenizer.ggml.eos_token_id", GgufValue.ofU32(2));
        m.put("tokenizer.ggml.unknown_token_id", GgufValue.ofU32(0));
        m.put("tokenizer.ggml.add_bos_token", GgufValue.ofBool(true));
        m.put("tokenizer.ggml.add_eos_token", GgufValue.ofBool(false));
        return m;
    }

    private static void add(LinkedHashSet<String> s, int size, String p) {
        if (s.size() < size) s.add(p);
    }
}
