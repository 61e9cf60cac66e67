package dev.quanta.cli;

import dev.quanta.loader.gguf.GgufWriter;
import dev.quanta.loader.quantize.LlamaFtype;
import dev.quanta.loader.synth.SynthModel;
import dev.quanta.loader.synth.SynthShape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quanta synth}: writes a synthetic model with seeded random weights. */
@Command(name = "synth", description = "Write a synthetic Llama model with seeded random weights (tests, benchmarks, demos).")
public final class SynthCommand implements Callable<Integer> {
    @Option(names = "--arch", defaultValue = "llama", description = "Architecture (only llama).")
    String arch;

    @Option(names = "--shape", defaultValue = "tiny", description = "tiny, llama-1b (Llama-3.2-1B) or llama-8b (Llama-3.1-8B).")
    String shape;

    @Option(names = "--type", defaultValue = "Q8_0", description = "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K_S/M/L, Q4_K_S/M, Q5_K_S/M, Q6_K.")
    String type;

    @Option(names = {"-o", "--output"}, required = true, description = "Output GGUF file.")
    Path out;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed.")
    long seed;

    @Option(names = "--vocab-from", description = "Copy the tokenizer from this GGUF (e.g. ggml-vocab-llama-bpe.gguf); default: a built-in SentencePiece-style vocabulary.")
    Path vocabFrom;

    @Option(names = "--threads", defaultValue = "0", description = "Threads (0 = all cores).")
    int threads;

    @Override
    public Integer call() throws Exception {
        if (!arch.equals("llama")) throw new IllegalArgumentException("unsupported --arch '" + arch + "' (supported: llama)");
        SynthShape s = SynthShape.byName(shape);
        LlamaFtype t = LlamaFtype.parse(type);
        long t0 = System.nanoTime();
        GgufWriter w = SynthModel.write(new SynthModel.Spec(s, t, seed, vocabFrom, threads), out);
        System.err.printf("wrote %s: %s %s, %d tensors, %s in %.1f s%n", out, s.name(), t.cliName, w.tensors().size(),
                InfoCommand.human(Files.size(out)), (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
