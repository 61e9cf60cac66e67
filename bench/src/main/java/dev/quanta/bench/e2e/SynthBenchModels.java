package dev.quanta.bench.e2e;

import dev.quanta.loader.quantize.LlamaFtype;
import dev.quanta.loader.synth.SynthModel;
import dev.quanta.loader.synth.SynthShape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The models {@code quanta bench} measures when given none: synthetic Llama models (by default the
 * Llama-3.2-1B shape) in Q4_0, Q8_0, Q4_K_M and F16, written by the loader's synthetic-model
 * generator (seed 42, llama-quantize's per-tensor types for each mix) and cached as
 * {@code DIR/SHAPE-TYPE.gguf}, DIR being {@code $QUANTA_CACHE/bench}, else
 * {@code $XDG_CACHE_HOME/quanta/bench}, else {@code ~/.cache/quanta/bench}. The same files come
 * from {@code quanta synth --shape SHAPE --type TYPE -o DIR/SHAPE-TYPE.gguf}.
 */
public final class SynthBenchModels {
    /** The default types, in report order. */
    public static final List<String> DEFAULT_TYPES = List.of("Q4_0", "Q8_0", "Q4_K_M", "F16");
    public static final long SEED = 42;

    private SynthBenchModels() {}

    /** The cache folder for {@code env} (the process environment in normal use). */
    public static Path cacheDir(Map<String, String> env) {
        String q = env.get("QUANTA_CACHE");
        if (q != null && !q.isBlank()) return Path.of(q).resolve("bench");
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("quanta").resolve("bench");
    }

    /** The files for {@code shape} × {@code types} in {@code dir}, generating the missing ones (atomically). */
    public static List<Path> ensure(Path dir, String shape, List<String> types, Consumer<String> log) throws IOException {
        SynthShape s = SynthShape.byName(shape);
        List<Path> out = new ArrayList<>();
        Files.createDirectories(dir);
        for (String type : types) {
            LlamaFtype f = LlamaFtype.parse(type);
            Path p = dir.resolve(s.name() + "-" + f.cliName + ".gguf");
            if (!Files.isRegularFile(p)) {
                log.accept("writing synthetic model " + p + " (" + s.name() + " " + f.cliName + ", seed " + SEED + ")");
                long t0 = System.nanoTime();
                SynthModel.write(new SynthModel.Spec(s, f, SEED, null), p);
                log.accept(String.format(java.util.Locale.ROOT, "wrote %s in %.1f s", p, (System.nanoTime() - t0) / 1e9));
            }
            out.add(p);
        }
        return out;
    }
}
