package dev.quanta.bench.grammar;

import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufMetadata;
import dev.quanta.runtime.grammar.GrammarVocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/** A {@link GrammarVocabulary} from a GGUF file's tokenizer metadata, for the benchmarks. */
final class GgufVocab {
    private GgufVocab() {}

    /** ../shared/testdata/RELATIVE (or under -Dquanta.shared), or null when absent. */
    static Path testData(String relative) {
        String p = System.getProperty("quanta.shared");
        for (Path root : new Path[] {p == null ? null : Path.of(p), Path.of("..", "shared"), Path.of("..", "..", "shared")}) {
            if (root != null && Files.exists(root.resolve("testdata").resolve(relative))) return root.resolve("testdata").resolve(relative);
        }
        return null;
    }

    static GrammarVocabulary load(Path gguf) {
        try (GgufFile f = GgufFile.open(gguf)) {
            GgufMetadata md = f.metadata();
            String[] tokens = md.getStringArray("tokenizer.ggml.tokens");
            int[] types = md.has("tokenizer.ggml.token_type") ? md.getIntArray("tokenizer.ggml.token_type") : null;
            return GrammarVocabulary.fromGgufTokens(md.getString("tokenizer.ggml.model"), tokens, types, eog(md, tokens, types));
        }
    }

    /** EOS/EOT/EOM ids from metadata plus the usual end-of-turn control tokens by name. */
    static int[] eog(GgufMetadata md, String[] tokens, int[] types) {
        Set<Integer> eog = new LinkedHashSet<>();
        for (String k : new String[] {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
            if (md.has(k)) eog.add(md.getInt(k));
        }
        for (int i = 0; i < tokens.length; i++) {
            if ((types == null || types[i] == 3) && Set.of("<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "<|im_end|>", "<|endoftext|>").contains(tokens[i])) eog.add(i);
        }
        return eog.stream().mapToInt(Integer::intValue).toArray();
    }
}
