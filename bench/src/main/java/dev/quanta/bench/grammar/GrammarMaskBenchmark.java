package dev.quanta.bench.grammar;

import dev.quanta.runtime.grammar.Grammar;
import dev.quanta.runtime.grammar.GrammarMatcher;
import dev.quanta.runtime.grammar.GrammarVocabulary;
import dev.quanta.runtime.grammar.JsonSchemaGrammar;
import java.nio.file.Path;
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
 * Token mask time per generation step on the Llama 3 vocabulary (128,256 tokens, from
 * ../shared/testdata/vocab/ggml-vocab-llama-bpe.gguf) for the generic JSON grammar and a JSON
 * Schema grammar, at several points of a document. The per-context mask cache is warmed in setup
 * (its build time is printed): the figure is the steady per-step cost a sampler pays.
 *
 * <pre>
 * java -cp bench/target/quanta-bench-*.jar:bench/target/lib/* org.openjdk.jmh.Main GrammarMaskBenchmark
 * java -cp ... dev.quanta.bench.grammar.GrammarMaskBenchmark     (quick timing without JMH)
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class GrammarMaskBenchmark {
    static final String SCHEMA = """
            {"type": "object", "properties": {
              "name": {"type": "string", "maxLength": 40},
              "age": {"type": "integer", "minimum": 0, "maximum": 150},
              "tags": {"type": "array", "items": {"type": "string"}},
              "address": {"type": "object", "properties": {"city": {"type": "string"}, "zip": {"type": "string", "pattern": "^[0-9]{5}$"}},
                          "required": ["city"]}},
             "required": ["name", "age"]}""";

    /** grammar:prefix pairs: where in the document the mask is computed. */
    @Param({"json:mid-object", "json:mid-string", "json:start", "schema:mid-string", "schema:after-key"})
    public String point;

    private GrammarMatcher matcher;
    private long[] words;
    private static GrammarVocabulary vocab;

    static synchronized GrammarVocabulary vocab() {
        if (vocab == null) {
            Path p = GgufVocab.testData("vocab/ggml-vocab-llama-bpe.gguf");
            if (p == null) throw new IllegalStateException("../shared/testdata/vocab/ggml-vocab-llama-bpe.gguf not found (set -Dquanta.shared)");
            long t0 = System.nanoTime();
            vocab = GgufVocab.load(p);
            System.out.printf("vocabulary: %d tokens, %d trie nodes, loaded in %.0f ms%n", vocab.size(), vocab.trieNodes(), (System.nanoTime() - t0) / 1e6);
        }
        return vocab;
    }

    static GrammarMatcher at(String point) {
        String[] gp = point.split(":");
        Grammar g = gp[0].equals("json") ? Grammar.parse(JsonSchemaGrammar.JSON_VALUE_GBNF) : JsonSchemaGrammar.fromSchema(SCHEMA).compile();
        String prefix = switch (point) {
            case "json:mid-object" -> "{\"name\": \"Jo\", \"age\": 31, ";
            case "json:mid-string" -> "{\"name\": \"Jo";
            case "json:start" -> "";
            case "schema:mid-string" -> "{\"name\": \"Jo";
            case "schema:after-key" -> "{\"name\": \"Jo\", \"age\": 31, \"tags\": [\"a\"], \"address\": {\"city\":";
            default -> throw new IllegalArgumentException(point);
        };
        GrammarMatcher m = g.matcher(vocab());
        if (!m.acceptString(prefix)) throw new IllegalStateException("prefix refused: " + prefix);
        return m;
    }

    @Setup(Level.Trial)
    public void setup() {
        matcher = at(point);
        words = new long[(vocab().size() + 63) / 64];
        long t0 = System.nanoTime();
        matcher.fillMask(words); // builds the cache entries this state needs
        long cold = System.nanoTime() - t0;
        int allowed = 0;
        for (long w : words) allowed += Long.bitCount(w);
        System.out.printf("%s: first mask (cache build) %.1f ms, %d of %d tokens allowed%n", point, cold / 1e6, allowed, vocab().size());
    }

    @Benchmark
    public long[] fillMask() {
        matcher.fillMask(words);
        return words;
    }

    /** Quick timing without JMH: prints µs/step for each point. */
    public static void main(String[] args) {
        String[] points = {"json:mid-object", "json:mid-string", "json:start", "schema:mid-string", "schema:after-key"};
        for (String p : points) {
            GrammarMaskBenchmark b = new GrammarMaskBenchmark();
            b.point = p;
            b.setup();
            for (int i = 0; i < 2000; i++) b.fillMask();
            int n = 5000;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) b.fillMask();
            System.out.printf("%s: %.1f us/step%n", p, (System.nanoTime() - t0) / 1e3 / n);
        }
    }
}
