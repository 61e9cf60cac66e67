package dev.quanta.loader.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * WordPiece ({@code tokenizer.ggml.model = bert}), as llama.cpp's llm_tokenizer_wpm: accents are
 * stripped (first code point of the canonical decomposition), text is lower-cased and split at
 * whitespace, with punctuation, ASCII symbols and CJK ideographs as words of their own; each word,
 * prefixed with U+2581 (how GGUF BERT vocabularies mark word starts), is cut greedily into the
 * longest tokens from the left. A word that cannot be cut entirely becomes the unknown token.
 */
final class WpmModel {
    private final TokenMap map;
    private final int maxTokenBytes;
    private final int unk;

    WpmModel(TokenMap map, int maxTokenBytes, int unk) {
        this.map = map;
        this.maxTokenBytes = maxTokenBytes;
        this.unk = unk;
    }

    void encode(String text, IntList out) {
        for (String word : preprocess(text)) {
            String w = "\u2581" + word;
            int[] cps = Unicode.codepoints(w);
            int[] off = new int[cps.length + 1]; // char offsets
            int[] boff = new int[cps.length + 1]; // byte offsets
            for (int i = 0; i < cps.length; i++) {
                off[i + 1] = off[i] + Character.charCount(cps[i]);
                int c = cps[i];
                boff[i + 1] = boff[i] + (c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4);
            }
            int mark = out.n;
            boolean ok = true;
            for (int i = 0; i < cps.length; ) {
                int found = -1, foundEnd = -1;
                for (int j = cps.length; j > i; j--) {
                    if (boff[j] - boff[i] > maxTokenBytes) continue;
                    int id = map.get(w, off[i], off[j]);
                    if (id >= 0) {
                        found = id;
                        foundEnd = j;
                        break;
                    }
                }
                if (found < 0) {
                    ok = false;
                    break;
                }
                out.add(found);
                i = foundEnd;
            }
            if (!ok) out.n = mark;
            if (out.n == mark) out.add(unk);
        }
    }

    static List<String> preprocess(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int[] cps = Unicode.codepoints(text);
        for (int raw : cps) {
            int cp = Unicode.nfdFirst(raw);
            if (Unicode.isWhitespace(cp)) {
                if (!cur.isEmpty()) {
                    words.add(cur.toString());
                    cur.setLength(0);
                }
                continue;
            }
            if (cp == 0 || cp == 0xFFFD || Unicode.isControl(cp)) continue;
            int lower = Unicode.toLower(cp);
            int cat = Unicode.category(cp);
            if (cat == Unicode.CAT_P || (cp < 0x7F && cat == Unicode.CAT_S) || isChinese(cp)) {
                if (!cur.isEmpty()) {
                    words.add(cur.toString());
                    cur.setLength(0);
                }
                words.add(new String(Character.toChars(lower)));
            } else {
                cur.appendCodePoint(lower);
            }
        }
        if (!cur.isEmpty()) words.add(cur.toString());
        return words;
    }

    static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
