package dev.quanta.cli;

import dev.quanta.kernels.GgmlType;
import dev.quanta.loader.template.ChatMessage;
import dev.quanta.runtime.GenerationOptions;
import dev.quanta.runtime.GenerationResult;
import dev.quanta.runtime.Model;
import dev.quanta.runtime.ModelOptions;
import dev.quanta.runtime.exec.GpuLayers;
import dev.quanta.runtime.Quanta;
import dev.quanta.runtime.QuantaException;
import dev.quanta.runtime.Session;
import dev.quanta.runtime.StopReason;
import dev.quanta.runtime.Timings;
import dev.quanta.runtime.sampling.GrammarSpec;
import dev.quanta.runtime.sampling.SamplerParams;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.DoubleConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code quanta run -m FILE -p TEXT}: streams the continuation of a prompt to stdout and a timing
 * summary to stderr, like llama.cpp's examples.
 */
@Command(name = "run", description = "Generate text from a prompt; the text goes to stdout, timings to stderr.")
public final class RunCommand implements Callable<Integer> {
    @Mixin
    ModelArgs model = new ModelArgs();

    @Mixin
    SamplingArgs sampling = new SamplingArgs();

    @Mixin
    GrammarArgs grammar = new GrammarArgs();

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "The prompt (default: empty: start from BOS alone).")
    String prompt = "";

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", description = "Tokens to generate (default: -1 = until end of text or a full context).")
    int nPredict = -1;

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt: the prompt is sent as a user turn through the model's chat template.")
    String system;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop when this text appears (repeatable).")
    List<String> stops = new ArrayList<>();

    @Option(names = "--context-shift", description = "When the context is full, drop the older half of the text and go on.")
    boolean contextShift;

    @Option(names = "--ignore-eos", description = "Do not stop at end-of-generation tokens.")
    boolean ignoreEos;

    @Option(names = "--no-echo", description = "Do not print the prompt before the generated text.")
    boolean noEcho;

    @Override
    public Integer call() {
        PrintStream out = utf8Stdout();
        PrintStream err = System.err;
        GrammarSpec g = grammar.spec();
        try (Model m = model.load(err); Session s = m.newSession()) {
            GenerationOptions o = GenerationOptions.defaults().withMaxTokens(nPredict).withSampling(sampling.params())
                    .withStopStrings(stops).withContextShift(contextShift).withIgnoreEos(ignoreEos).withGrammar(g);
            GenerationResult r;
            if (system != null) {
                List<ChatMessage> msgs = List.of(ChatMessage.system(system), ChatMessage.user(prompt));
                r = s.chat(msgs, o, t -> print(out, t));
            } else {
                if (!noEcho) print(out, prompt);
                r = s.generate(prompt, o, t -> print(out, t));
            }
            if (isTerminal()) out.println();
            out.flush();
            if (r.reason() == StopReason.CONTEXT_FULL) err.println("quanta: " + r.message());
            printTimings(err, m, r.timings(), r.seed());
        }
        return 0;
    }

    static void print(PrintStream out, String text) {
        out.print(text);
        out.flush();
    }

    static PrintStream utf8Stdout() {
        return new PrintStream(System.out, true, StandardCharsets.UTF_8);
    }

    static boolean isTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** llama.cpp-style summary: load time, prompt tokens and t/s, generated tokens and t/s. */
    static void printTimings(PrintStream err, Model m, Timings t, long seed) {
        err.printf(Locale.ROOT, "%nquanta: model            = %s%n", m.describe());
        err.printf(Locale.ROOT, "quanta: load time        = %10.2f ms%n", m.loadMillis());
        err.printf(Locale.ROOT, "quanta: prompt eval time = %10.2f ms / %5d tokens (%8.2f ms per token, %8.2f tokens per second)%n",
                t.promptMillis(), t.promptTokens(), t.promptTokens() == 0 ? 0 : t.promptMillis() / t.promptTokens(), t.promptTokensPerSecond());
        err.printf(Locale.ROOT, "quanta: generation time  = %10.2f ms / %5d tokens (%8.2f ms per token, %8.2f tokens per second)%n",
                t.generateMillis(), t.generatedTokens(), t.generatedTokens() == 0 ? 0 : t.generateMillis() / t.generatedTokens(), t.generatedTokensPerSecond());
        err.printf(Locale.ROOT, "quanta: total time       = %10.2f ms (seed %d)%n", m.loadMillis() + t.promptMillis() + t.generateMillis(), seed);
    }

    // ---- options shared by run, chat, logits and perplexity ----------------------------------------

    /** -m, -c, -t, --backend, --kv-type, --ubatch, --gpu-layers, and where the model comes from when -m is absent. */
    public static final class ModelArgs {
        @Option(names = {"-m", "--model"}, paramLabel = "FILE|REF",
                description = "GGUF file, or hf:OWNER/REPO[:QUANT] resolved through the model cache (pulled when missing) (default: $QUANTA_MODEL, else the built-in demo model).")
        String file;

        @Option(names = "--offline", description = "Resolve model references from the cache only; never use the network.")
        boolean offline;

        @Option(names = {"-c", "--ctx-size"}, paramLabel = "N", description = "Context size in tokens (default: the model's, at most 4096).")
        int ctx;

        @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "CPU threads (default: the backend's choice).")
        int threads;

        @Option(names = "--backend", paramLabel = "NAME", description = "auto, cpu, opencl, cuda or reference (default: auto).")
        String backend = "auto";

        @Option(names = "--kv-type", paramLabel = "TYPE", description = "KV cache type: f16, f32 or q8_0 (default: f16; logits: f32).")
        String kvType;

        @Option(names = {"-ub", "--ubatch"}, paramLabel = "N", description = "Prompt tokens per forward pass (default: 256).")
        int ubatch = 256;

        @Option(names = {"-ngl", "--gpu-layers", "--n-gpu-layers"}, paramLabel = "N|auto",
                description = "Layers on the GPU backend, the rest on the CPU: a count, all, or auto = as many as its free memory holds (default: all; ignored on the cpu backend).")
        String gpuLayers;

        /** The model file: -m, else $QUANTA_MODEL, else the demo model. */
        Path resolve(PrintStream err) {
            if (file != null) return ModelRef.resolve(file, offline);
            String env = System.getenv("QUANTA_MODEL");
            if (env != null && !env.isBlank()) return ModelRef.resolve(env, offline);
            return DemoModel.path(err);
        }

        GgmlType kvType() {
            return kvType(GgmlType.F16);
        }

        /** The --kv-type given, else {@code dflt}. */
        GgmlType kvType(GgmlType dflt) {
            if (kvType == null) return dflt;
            try {
                GgmlType t = GgmlType.parse(kvType);
                if (t == GgmlType.F16 || t == GgmlType.F32 || t == GgmlType.Q8_0) return t;
            } catch (IllegalArgumentException e) {
                // reported below
            }
            throw new QuantaException("--kv-type " + kvType + " is not supported (use f16, f32 or q8_0)");
        }

        ModelOptions options(PrintStream err, GgmlType kv) {
            Path p = resolve(err);
            if (!Files.exists(p)) throw new QuantaException(p + ": no such file");
            if (ctx < 0) throw new QuantaException("-c must be >= 0, got " + ctx);
            if (threads < 0) throw new QuantaException("-t must be >= 0, got " + threads);
            if (ubatch <= 0) throw new QuantaException("--ubatch must be positive, got " + ubatch);
            return ModelOptions.of(p).withBackend(backend).withContextLength(ctx).withThreads(threads)
                    .withKvCacheType(kv).withMicroBatch(ubatch).withProgress(new ProgressBar(err))
                    .withGpuLayers(gpuLayers == null ? GpuLayers.ALL : GpuLayers.parse(gpuLayers));
        }

        Model load(PrintStream err) {
            return Quanta.load(options(err, kvType()));
        }

        Model load(PrintStream err, GgmlType kv) {
            return Quanta.load(options(err, kv));
        }
    }

    /** --temp, --top-k, --top-p, --min-p, penalties, --seed. */
    public static final class SamplingArgs {
        @Option(names = "--temp", paramLabel = "T", description = "Temperature; 0 = greedy (default: 0.8).")
        float temp = 0.8f;

        @Option(names = "--top-k", paramLabel = "K", description = "Top-k; 0 = off (default: 40).")
        int topK = 40;

        @Option(names = "--top-p", paramLabel = "P", description = "Top-p; 1 = off (default: 0.95).")
        float topP = 0.95f;

        @Option(names = "--min-p", paramLabel = "P", description = "Min-p; 0 = off (default: 0.05).")
        float minP = 0.05f;

        @Option(names = "--repeat-penalty", paramLabel = "R", description = "Repetition penalty; 1 = off (default: 1.0).")
        float repeatPenalty = 1.0f;

        @Option(names = "--repeat-last-n", paramLabel = "N", description = "Tokens the penalties look back at; -1 = all (default: 64).")
        int repeatLastN = 64;

        @Option(names = "--presence-penalty", paramLabel = "P", description = "Presence penalty (default: 0).")
        float presence;

        @Option(names = "--frequency-penalty", paramLabel = "F", description = "Frequency penalty (default: 0).")
        float frequency;

        @Option(names = "--seed", paramLabel = "N", description = "Sampler seed; -1 = random (default).")
        long seed = -1;

        SamplerParams params() {
            try {
                return new SamplerParams(temp, topK, topP, minP, repeatPenalty, presence, frequency, repeatLastN, null, seed);
            } catch (IllegalArgumentException e) {
                throw new QuantaException(e.getMessage());
            }
        }
    }

    /** --grammar-file, --json-schema, --json: constrain the output (at most one). */
    public static final class GrammarArgs {
        @Option(names = "--grammar-file", paramLabel = "FILE", description = "Constrain the output to a GBNF grammar (llama.cpp's format, root rule 'root').")
        Path grammarFile;

        @Option(names = "--json-schema", paramLabel = "FILE|TEXT", description = "Constrain the output to a JSON Schema: a file, or the schema itself when it starts with '{'.")
        String jsonSchema;

        @Option(names = "--json", description = "Constrain the output to a JSON object.")
        boolean json;

        /** The grammar asked for, or null. */
        GrammarSpec spec() {
            int n = (grammarFile != null ? 1 : 0) + (jsonSchema != null ? 1 : 0) + (json ? 1 : 0);
            if (n > 1) throw new QuantaException("--grammar-file, --json-schema and --json are exclusive: give one");
            if (grammarFile != null) return GrammarSpec.gbnf(read(grammarFile, "--grammar-file"));
            if (jsonSchema != null) {
                String t = jsonSchema.strip();
                return GrammarSpec.jsonSchema(t.startsWith("{") ? t : read(Path.of(jsonSchema), "--json-schema"));
            }
            return json ? GrammarSpec.jsonObject() : null;
        }

        private static String read(Path f, String flag) {
            try {
                if (Files.size(f) > (16 << 20)) throw new QuantaException(flag + " " + f + ": larger than 16 MiB");
                String text = Files.readString(f, StandardCharsets.UTF_8);
                if (text.isBlank()) throw new QuantaException(flag + " " + f + ": the file is empty");
                return text;
            } catch (java.nio.file.NoSuchFileException e) {
                throw new QuantaException(flag + " " + f + ": no such file");
            } catch (java.io.IOException e) {
                throw new QuantaException(flag + " " + f + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * The built-in demo model: a tiny Llama-architecture model with seeded random weights, made by the
     * synth generator on first use and cached ({@code $QUANTA_CACHE/demo}, default ~/.cache/quanta/demo;
     * {@code -Dquanta.demo.dir} overrides), so that {@code quanta run -p Hello} works offline. It prints
     * gibberish, and says so.
     */
    static final class DemoModel {
        static final String FILE = "quanta-demo-tiny-q8_0-seed42.gguf";

        static Path dir() {
            String p = System.getProperty("quanta.demo.dir");
            if (p != null && !p.isBlank()) return Path.of(p);
            return dev.quanta.loader.hub.HubConfig.fromEnvironment().urlCache().resolve("demo");
        }

        static Path path(PrintStream err) {
            Path f = dir().resolve(FILE);
            err.println("quanta: no model given (-m FILE or $QUANTA_MODEL): using the built-in demo model, a tiny Llama "
                    + "with random weights. It prints gibberish; pass -m with a real GGUF model for real text.");
            if (Files.isRegularFile(f)) return f;
            try {
                Files.createDirectories(f.getParent());
                err.println("quanta: creating the demo model in " + f + " (once)");
                dev.quanta.loader.synth.SynthModel.write(new dev.quanta.loader.synth.SynthModel.Spec(
                        dev.quanta.loader.synth.SynthShape.TINY, dev.quanta.loader.quantize.LlamaFtype.MOSTLY_Q8_0, 42, null), f);
            } catch (java.io.IOException | RuntimeException e) {
                throw new QuantaException("cannot create the demo model in " + f.getParent() + ": " + e.getMessage(), e);
            }
            return f;
        }
    }

    /** Shows a bar on stderr once loading has taken more than a second. */
    static final class ProgressBar implements DoubleConsumer {
        private final PrintStream err;
        private final long start = System.nanoTime();
        private boolean shown;
        private int lastPct = -1;

        ProgressBar(PrintStream err) {
            this.err = err;
        }

        @Override
        public void accept(double f) {
            boolean slow = System.nanoTime() - start > 1_000_000_000L;
            if (!shown && (!slow || f >= 1.0)) return;
            int pct = (int) Math.round(Math.max(0, Math.min(1, f)) * 100);
            if (pct == lastPct) return;
            shown = true;
            lastPct = pct;
            int w = 30, fill = pct * w / 100;
            err.print("\rloading model [" + "#".repeat(fill) + " ".repeat(w - fill) + "] " + pct + "%");
            if (pct >= 100) err.println();
            err.flush();
        }
    }
}
