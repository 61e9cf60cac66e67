package dev.quanta.bench.grammar;

import dev.quanta.runtime.GenerationOptions;
import dev.quanta.runtime.GenerationResult;
import dev.quanta.runtime.Model;
import dev.quanta.runtime.ModelOptions;
import dev.quanta.runtime.Quanta;
import dev.quanta.runtime.Session;
import dev.quanta.runtime.sampling.GrammarConstraint;
import dev.quanta.runtime.sampling.GrammarSpec;
import dev.quanta.runtime.sampling.SamplerParams;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * End-to-end generation speed with a JSON Schema constraint against the same generation without
 * one: same model, prompt, seed and sampling, runs interleaved (unconstrained, constrained, ...)
 * so that a busy machine affects both alike. Prints the tg t/s of every run, the medians and
 * their ratio. Warm-up runs of each kind come first (JIT, and the grammar's mask cache).
 *
 * <pre>
 * ./quanta synth --arch llama --shape llama-1b --type Q4_0 \
 *     --vocab-from ../shared/testdata/vocab/ggml-vocab-llama-bpe.gguf -o /tmp/llama1b-q40.gguf
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -cp "bench/target/quanta-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
 *     dev.quanta.bench.grammar.ConstrainedGenerationBench /tmp/llama1b-q40.gguf [tokens=64] [runs=3]
 * </pre>
 */
public final class ConstrainedGenerationBench {
    static final String SCHEMA = """
            {"type": "object", "properties": {
              "name": {"type": "string"},
              "age": {"type": "integer", "minimum": 0},
              "email": {"type": "string"},
              "tags": {"type": "array", "items": {"type": "string"}},
              "notes": {"type": "string"}},
             "required": ["name", "age", "email", "tags", "notes"], "additionalProperties": false}
            """;

    private ConstrainedGenerationBench() {}

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: ConstrainedGenerationBench MODEL.gguf [tokens=64] [runs=3]");
            System.exit(2);
        }
        Path path = Path.of(args[0]);
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        try (Model model = Quanta.load(ModelOptions.of(path).withContextLength(512))) {
            System.out.println("model: " + model.describe() + ", vocabulary " + model.config().nVocab());
            long t0 = System.nanoTime();
            model.grammarVocabulary();
            System.out.printf(Locale.ROOT, "grammar vocabulary (trie) built in %.0f ms%n", (System.nanoTime() - t0) / 1e6);
            SamplerParams sp = SamplerParams.defaults().withSeed(42);
            GenerationOptions free = GenerationOptions.defaults().withMaxTokens(tokens).withSampling(sp).withIgnoreEos(true);
            GenerationOptions json = free.withGrammar(GrammarSpec.jsonSchema(SCHEMA));
            String prompt = "Describe a person as JSON:";

            GenerationResult w = run(model, prompt, free);
            System.out.printf(Locale.ROOT, "warm-up unconstrained: %d tokens, %.2f t/s%n", w.tokens().length, w.timings().generatedTokensPerSecond());
            w = run(model, prompt, json);
            System.out.printf(Locale.ROOT, "warm-up constrained:   %d tokens, %.2f t/s (first pass builds the mask cache)%n",
                    w.tokens().length, w.timings().generatedTokensPerSecond());

            double[] u = new double[runs], c = new double[runs];
            for (int i = 0; i < runs; i++) {
                GenerationResult a = run(model, prompt, free);
                GenerationResult b = run(model, prompt, json);
                u[i] = a.timings().generatedTokensPerSecond();
                c[i] = b.timings().generatedTokensPerSecond();
                System.out.printf(Locale.ROOT, "run %d: unconstrained %d tokens %.2f t/s | JSON Schema %d tokens %.2f t/s (%s)%n",
                        i + 1, a.tokens().length, u[i], b.tokens().length, c[i], b.reason());
                if (i == 0) System.out.println("  constrained output: " + b.text().replace("\n", "\\n"));
            }
            double mu = median(u), mc = median(c);
            System.out.printf(Locale.ROOT, "median tg: unconstrained %.2f t/s, JSON Schema %.2f t/s, ratio %.1f%%%n", mu, mc, 100 * mc / mu);

            // the constraint's own cost, free of the machine's noise: replay the constrained
            // tokens through a fresh constraint (warm cache), timing applyMask + accept per token
            int[] ids = run(model, prompt, json).tokens();
            float[] logits = new float[model.config().nVocab()];
            double best = Double.MAX_VALUE;
            for (int rep = 0; rep < 5; rep++) {
                GrammarConstraint g = model.newGrammarConstraint(GrammarSpec.jsonSchema(SCHEMA));
                long a0 = System.nanoTime();
                for (int id : ids) {
                    g.applyMask(logits);
                    g.accept(id);
                }
                best = Math.min(best, (System.nanoTime() - a0) / 1e6 / ids.length);
            }
            double msPerToken = 1000 / mu;
            System.out.printf(Locale.ROOT, "constraint cost (applyMask + accept, best of 5 replays of %d tokens): %.3f ms/token; "
                    + "at the unconstrained %.1f ms/token that is %.2f%% of unconstrained speed%n",
                    ids.length, best, msPerToken, 100 * msPerToken / (msPerToken + best));
        }
    }

    private static GenerationResult run(Model model, String prompt, GenerationOptions o) {
        try (Session s = model.newSession()) {
            return s.generate(prompt, o, null);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
