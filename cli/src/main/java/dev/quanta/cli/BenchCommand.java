package dev.quanta.cli;

import dev.quanta.bench.e2e.BenchConfig;
import dev.quanta.bench.e2e.BenchReport;
import dev.quanta.bench.e2e.BenchResult;
import dev.quanta.bench.e2e.EndToEndBench;
import dev.quanta.bench.e2e.SvgBarChart;
import dev.quanta.bench.e2e.SynthBenchModels;
import dev.quanta.kernels.GgmlType;
import dev.quanta.runtime.ModelOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code quanta bench}: llama-bench's measurements and report formats (see
 * {@link EndToEndBench} for how each test is measured). Without {@code -m} it benchmarks synthetic
 * Llama-3.2-1B-shaped models in Q4_0, Q8_0, Q4_K_M and F16, generated once into the cache.
 */
@Command(name = "bench", sortOptions = false,
        description = {"Measure prompt processing (ppN) and generation (tgN) speed like llama-bench.",
                "Without -m: synthetic Llama-3.2-1B-shaped models in Q4_0, Q8_0, Q4_K_M and F16 (generated once into ~/.cache/quanta/bench or $QUANTA_CACHE/bench)."})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE", description = "GGUF model (repeatable).")
    List<Path> models = new ArrayList<>();

    @Option(names = {"-p", "--n-prompt"}, paramLabel = "N[,N...]", split = ",", description = "Prompt lengths of the pp tests (default: 512; 0 = none).")
    List<Integer> nPrompt = new ArrayList<>(List.of(512));

    @Option(names = {"-n", "--n-gen"}, paramLabel = "N[,N...]", split = ",", description = "Token counts of the tg tests (default: 128; 0 = none).")
    List<Integer> nGen = new ArrayList<>(List.of(128));

    @Option(names = {"-r", "--repetitions"}, paramLabel = "N", description = "Measured repetitions per test, after one warm-up (default: 5).")
    int reps = 5;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "CPU threads (default: 0 = the backend's choice, all cores).")
    int threads = 0;

    @Option(names = "--backend", paramLabel = "NAME[,NAME...]", split = ",", description = "auto, cpu, opencl, cuda, reference; several give one row each (default: auto).")
    List<String> backends = new ArrayList<>(List.of("auto"));

    @Option(names = {"-b", "--batch-size"}, paramLabel = "N", description = "Prompt tokens per decode call (default: 2048).")
    int nBatch = 2048;

    @Option(names = {"-ub", "--ubatch-size"}, paramLabel = "N", description = "Tokens per forward graph, the runtime's micro-batch (default: the runtime's, ${DEFAULT-VALUE}).")
    int nUbatch = ModelOptions.of(Path.of("x")).microBatch();

    @Option(names = {"-ctk", "--cache-type"}, paramLabel = "TYPE", description = "KV cache type: f16, f32 or q8_0 (default: f16).")
    String cacheType = "f16";

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "md, json, jsonl or csv (default: md).")
    String output = "md";

    @Option(names = "--plot", paramLabel = "FILE.svg", description = "Also draw tokens/s per model type and backend as an SVG bar chart.")
    Path plot;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the random token ids (default: 1).")
    long seed = 1;

    @Option(names = "--progress", description = "Print each step (load, warm-up, repetition) on stderr.")
    boolean progress;

    @Option(names = "--synth-shape", paramLabel = "SHAPE", description = "Shape of the default synthetic models: tiny, llama-1b, llama-8b (default: llama-1b).")
    String synthShape = "llama-1b";

    @Option(names = "--synth-types", paramLabel = "TYPE[,TYPE...]", split = ",", description = "Types of the default synthetic models (default: Q4_0,Q8_0,Q4_K_M,F16).")
    List<String> synthTypes = new ArrayList<>(SynthBenchModels.DEFAULT_TYPES);

    @Option(names = "--synth-dir", paramLabel = "DIR", description = "Where the default synthetic models are cached (default: $QUANTA_CACHE/bench or ~/.cache/quanta/bench).")
    Path synthDir;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = System.err;
        BenchReport.Format format = BenchReport.Format.parse(output);
        GgmlType kv = GgmlType.parse(cacheType.toUpperCase(Locale.ROOT));
        List<Path> files = new ArrayList<>(models);
        if (files.isEmpty()) {
            Path dir = synthDir != null ? synthDir : SynthBenchModels.cacheDir(System.getenv());
            files.addAll(SynthBenchModels.ensure(dir, synthShape, synthTypes, msg -> err.println("quanta bench: " + msg)));
        }
        String build = spec.root().version().length > 0 ? spec.root().version()[0] : "quanta";
        BenchConfig cfg = new BenchConfig(files, nPrompt, nGen, reps, threads, backends, nBatch, nUbatch, kv, seed, build);
        BenchReport report = BenchReport.create(format, out, build);
        report.header();
        List<BenchResult> results = EndToEndBench.run(cfg, new EndToEndBench.Listener() {
            @Override
            public void status(String message) {
                if (progress) err.println("quanta bench: " + message);
            }

            @Override
            public void result(BenchResult r) {
                report.row(r);
            }
        });
        report.footer();
        out.flush();
        if (plot != null) {
            SvgBarChart.write(results, "quanta bench: tokens/s (" + build + ")", plot);
            err.println("quanta bench: wrote " + plot);
        }
        return 0;
    }
}
