package dev.quanta.cli;

import dev.quanta.kernels.GgmlType;
import dev.quanta.loader.quantize.LlamaFtype;
import dev.quanta.loader.quantize.QuantRecipe;
import dev.quanta.loader.quantize.Quantizer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quanta quantize IN OUT TYPE [--pure]}: llama-quantize's recipes, reference codecs, all cores. */
@Command(name = "quantize", description = "Quantize an F32/F16/BF16 GGUF model (llama-quantize's per-tensor recipes).")
public final class QuantizeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN", description = "Input GGUF (F32, F16 or BF16 weights).")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "Output GGUF (written atomically).")
    Path out;

    @Parameters(index = "2", paramLabel = "TYPE", description = "Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K_S, Q3_K_M, Q3_K_L, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K, F16, BF16, F32.")
    String type;

    @Option(names = "--pure", description = "Every quantizable tensor in TYPE (no Q6_K output, no per-layer bumps).")
    boolean pure;

    @Option(names = "--threads", defaultValue = "0", description = "Threads (0 = all cores).")
    int threads;

    @Option(names = "--allow-requantize", description = "Allow quantized input tensors (quality loss).")
    boolean allowRequantize;

    @Override
    public Integer call() throws Exception {
        LlamaFtype f = LlamaFtype.parse(type);
        PrintStream err = System.err;
        long t0 = System.nanoTime();
        Quantizer.Result r = Quantizer.quantize(in, out, new Quantizer.Options(f, pure, threads, allowRequantize, (done, total, name) -> {
            int width = 30, filled = (int) (width * done / Math.max(1, total));
            err.printf("\r[%s%s] %3d%% %-40.40s", "#".repeat(filled), " ".repeat(width - filled), 100 * done / Math.max(1, total), name);
            err.flush();
        }));
        err.println();
        Map<GgmlType, Integer> types = new EnumMap<>(GgmlType.class);
        int fallbacks = 0;
        for (QuantRecipe.Choice c : r.choices()) {
            types.merge(c.newType(), 1, Integer::sum);
            if (c.fallback()) fallbacks++;
        }
        err.printf("%s -> %s as %s%s: %s -> %s in %.1f s; tensors %s%s%n", in, out, f.cliName, pure ? " (pure)" : "", InfoCommand.human(r.inputBytes()),
                InfoCommand.human(r.outputBytes()), (System.nanoTime() - t0) / 1e9, types,
                fallbacks > 0 ? "; " + fallbacks + " used a fallback type (row length not a multiple of the block)" : "");
        return 0;
    }
}
