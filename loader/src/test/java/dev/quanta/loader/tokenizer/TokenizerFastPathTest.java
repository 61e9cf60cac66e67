package dev.quanta.loader.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.quanta.kernels.testing.TestData;
import dev.quanta.loader.gguf.GgufFile;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The speed-ups of the encoders give exactly the ids of the plain algorithms: SentencePiece cut
 * into segments (plus its segment cache) against one merge queue over the whole text, and the
 * byte-level BPE word cache (hits, misses and the reset when full) against a tokenizer whose cache holds other words.
 */
class TokenizerFastPathTest {
    private static final String[] PIECES = {"the", "of", "and", "tokenization", "internationalization", "don't", "naïve", "café",
            "Grüße", "привет", "日本語", "我想在", "한국어", "🦙", "😀", "—", "“q”", "3.14159", "1,000,000", "0x7fff", "x += 1;",
            "if (a < b) {", "}", "print(f\"{x}\")", "#include", "    ", "\t", "\n", "\n\n", "!", "?", ",", ".", "(", ")", "\"", "'",
            "\uD800", "\u2581", "\u2581\u2581", "ab", "e", "s", "ing", "ed", "Ā", "ß", "ǅ", "ﬁ"};

    private static String randomText(Random r, int pieces) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            if (r.nextInt(8) == 0) {
                // a random run of letters: many words nobody cached
                int n = 1 + r.nextInt(12);
                for (int k = 0; k < n; k++) sb.append((char) ('a' + r.nextInt(26)));
            } else {
                sb.append(PIECES[r.nextInt(PIECES.length)]);
            }
            int sp = r.nextInt(6);
            for (int k = 0; k < (sp < 4 ? 1 : sp - 3); k++) sb.append(' ');
        }
        return sb.toString();
    }

    private static Tokenizer load(String relative) {
        Path p = TestData.require(relative);
        try (GgufFile f = GgufFile.open(p)) {
            return Tokenizer.fromGguf(f.metadata());
        }
    }

    private static void checkSpm(String relative) {
        Tokenizer tok = load(relative);
        SpmModel spm = tok.spmModel();
        Random r = new Random(TestData.seed("TokenizerFastPathTest.spm", 7L));
        for (int t = 0; t < 60; t++) {
            String text = randomText(r, t < 50 ? 1 + r.nextInt(60) : 3000).replace(' ', '\u2581');
            IntList fast = new IntList(), whole = new IntList();
            spm.encode(text, fast);
            spm.encode(text, fast = new IntList()); // again: segments now come from the cache
            spm.encodeWhole(text, whole);
            assertArrayEquals(whole.toArray(), fast.toArray(), () -> relative + ": segmented SPM differs on " + text);
        }
    }

    @Test
    void spmSegmentsGiveTheWholeQueueResult() {
        checkSpm("stories260K/stories260K.gguf");
        checkSpm("vocab/ggml-vocab-llama-spm.gguf");
        checkSpm("vocab/ggml-vocab-phi-3.gguf");
    }

    @Test
    void bpeWordCacheGivesTheColdResult() {
        for (String v : new String[] {"gpt-2", "llama-bpe", "deepseek-coder", "falcon"}) {
            String rel = "vocab/ggml-vocab-" + v + ".gguf";
            Tokenizer warm = load(rel);
            Random r = new Random(TestData.seed("TokenizerFastPathTest.bpe", 11L));
            // enough distinct words to fill the cache and make it start over
            String big = randomText(r, 60_000);
            warm.encode(big, false, false);
            Tokenizer fresh = load(rel); // its cache has not been through the big text
            for (int t = 0; t < 20; t++) {
                String text = randomText(r, 1 + r.nextInt(200));
                int[] hot = warm.encode(text, false, false);
                int[] cold = fresh.encode(text, false, false);
                assertArrayEquals(cold, hot, () -> v + ": cached BPE differs on " + text);
            }
        }
    }
}
