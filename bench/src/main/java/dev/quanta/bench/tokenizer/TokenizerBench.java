package dev.quanta.bench.tokenizer;

import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding speed of each tokenizer kind on 1 MB of mixed text (English prose, code, numbers,
 * accented Latin, Cyrillic, CJK, emoji), one thread. MB/s = 1 / (seconds per op), since one op
 * encodes 1 MB (UTF-8 bytes). Vocabularies come from ../shared/testdata/vocab (or -Dquanta.shared).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp 'bench/target/quanta-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*' \
 *     org.openjdk.jmh.Main TokenizerBench -wi 2 -i 3 -f 1</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class TokenizerBench {
    @Param({"llama-spm", "llama-bpe", "gpt-2", "deepseek-coder", "falcon"})
    public String vocab;

    /** Whether the BPE word cache is kept between calls (off: every op starts cold, as llama.cpp). */
    @Param({"false"})
    public boolean warmCache;

    Tokenizer tokenizer;
    String text;
    Path file;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        String root = System.getProperty("quanta.shared", "../shared");
        file = Path.of(root, "testdata", "vocab", "ggml-vocab-" + vocab + ".gguf");
        if (!Files.exists(file)) throw new IllegalStateException(file + " not found: run from the project root with ../shared beside it, or pass -Dquanta.shared=DIR");
        load();
        text = mixedText(1 << 20, 42);
    }

    private void load() {
        try (GgufFile f = GgufFile.open(file)) {
            tokenizer = Tokenizer.fromGguf(f.metadata());
        }
    }

    @Setup(Level.Invocation)
    public void coldCache() {
        if (!warmCache) load(); // a fresh tokenizer has an empty word cache
    }

    @Benchmark
    public int[] encode1MB() {
        return tokenizer.encode(text, false, false);
    }

    /** About {@code bytes} bytes of UTF-8 text in a mix of languages, code and numbers. */
    public static String mixedText(int bytes, long seed) {
        String[] words = {"the", "of", "and", "a", "to", "in", "is", "you", "that", "it", "he", "was", "for", "on", "are", "as", "with",
                "his", "they", "I", "at", "be", "this", "have", "from", "or", "one", "had", "by", "word", "but", "not", "what", "all",
                "were", "we", "when", "your", "can", "said", "there", "use", "an", "each", "which", "she", "do", "how", "their", "if",
                "tokenization", "internationalization", "Quanta", "llama.cpp", "GGUF", "don't", "we'll", "It's", "naïve", "café",
                "Grüße", "année", "привет", "мир", "日本語", "我想在", "工作", "한국어", "🦙", "🚀", "😀", "—", "“quoted”",
                "3.14159", "2025", "1,000,000", "0x7fff", "x += 1;", "if (a < b) {", "return 0;", "}", "print(f\"{x}\")", "#include",
                "    ", "\t", "\n", "\n\n", "!", "?", ",", ".", ";", ":", "(", ")", "[", "]", "\"", "'"};
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder(bytes + 64);
        int n = 0;
        while (n < bytes) {
            String w = words[r.nextInt(words.length)];
            sb.append(w);
            n += w.getBytes(StandardCharsets.UTF_8).length;
            if (r.nextInt(5) != 0) {
                sb.append(' ');
                n++;
            }
        }
        return sb.toString();
    }
}
