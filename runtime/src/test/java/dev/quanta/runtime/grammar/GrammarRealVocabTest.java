package dev.quanta.runtime.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.testing.TestData;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufMetadata;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Llama 3 vocabulary (128,256 byte-level BPE tokens, many ending mid-character): along random
 * walks through the JSON grammar, every mask equals brute force (each token tried on a copy).
 */
class GrammarRealVocabTest {
    @Test
    void llama3VocabularyMasksAreExact() {
        Path p = TestData.require("vocab/ggml-vocab-llama-bpe.gguf");
        GrammarVocabulary v;
        int eos;
        try (GgufFile f = GgufFile.open(p)) {
            GgufMetadata md = f.metadata();
            eos = md.getInt("tokenizer.ggml.eos_token_id");
            v = GrammarVocabulary.fromGgufTokens(md.getString("tokenizer.ggml.model"), md.getStringArray("tokenizer.ggml.tokens"),
                    md.getIntArray("tokenizer.ggml.token_type"), eos);
        }
        assertEquals(128256, v.size());
        assertEquals(" hello", new String(v.tokenBytes(24748), StandardCharsets.UTF_8), "GPT-2 byte symbols decoded (Ġ = space)");
        Random rnd = new Random(TestData.seed("GrammarRealVocabTest", 5));
        Grammar g = Grammar.parse(JsonSchemaGrammar.JSON_VALUE_GBNF);
        int checked = 0;
        for (int walk = 0; walk < 2; walk++) {
            GrammarMatcher m = g.matcher(v);
            for (int step = 0; step < 6; step++) {
                BitSet mask = new BitSet();
                m.fillMask(mask);
                BitSet brute = new BitSet();
                for (int t = 0; t < v.size(); t++) if (m.copy().tryAccept(t)) brute.set(t);
                assertEquals(brute, mask, "step " + step);
                checked++;
                int[] ids = mask.stream().filter(t -> t != eos).toArray();
                if (ids.length == 0) break;
                m.accept(ids[rnd.nextInt(ids.length)]);
            }
        }
        assertTrue(checked >= 6);
    }
}
