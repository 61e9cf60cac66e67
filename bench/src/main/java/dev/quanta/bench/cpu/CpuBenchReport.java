package dev.quanta.bench.cpu;

import dev.quanta.kernels.GgmlType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link TriadBench} and {@link MatMulBench} with short iterations and prints one row per
 * case: time, GB/s of weights streamed, GFLOP/s (2·n·k·batch), and the ratio to the triad
 * bandwidth measured in the same run (ratios survive a shared, drifting machine; absolutes don't).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp 'bench/target/quanta-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*' \
 *   dev.quanta.bench.cpu.CpuBenchReport [types=Q4_0,Q8_0] [shapes=4096x4096] [batches=1,32] [threads=2] [seconds=1]
 * </pre>
 */
public final class CpuBenchReport {
    private CpuBenchReport() {}

    public static void main(String[] args) throws Exception {
        String types = "Q4_0,Q8_0,F16,F32", shapes = "2048x2048,8192x2048,2048x8192,4096x4096,14336x4096,4096x14336";
        String batches = "1", threads = "2", extra = "";
        double seconds = 1;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2) throw new IllegalArgumentException("argument '" + a + "' is not key=value");
            switch (kv[0]) {
                case "types" -> types = kv[1];
                case "shapes" -> shapes = kv[1];
                case "batches" -> batches = kv[1];
                case "threads" -> threads = kv[1];
                case "seconds" -> seconds = Double.parseDouble(kv[1]);
                case "jvm" -> extra = kv[1];
                default -> throw new IllegalArgumentException("unknown argument '" + kv[0] + "' (types, shapes, batches, threads, seconds, jvm)");
            }
        }
        TimeValue it = TimeValue.milliseconds((long) (seconds * 1000));
        ChainedOptionsBuilder base = new OptionsBuilder().warmupIterations(2).warmupTime(it).measurementIterations(3)
                .measurementTime(it).forks(1).param("threads", threads.split(","));
        if (!extra.isEmpty()) base = base.jvmArgsAppend(extra.split(" "));
        Collection<RunResult> triad = new Runner(base.include(TriadBench.class.getSimpleName()).build()).run();
        RunResult tr = triad.iterator().next();
        double triadUs = tr.getPrimaryResult().getScore();
        double triadGBs = 12.0 * Integer.parseInt(tr.getParams().getParam("length")) / (triadUs * 1e3);

        base = new OptionsBuilder().warmupIterations(2).warmupTime(it).measurementIterations(3).measurementTime(it).forks(1)
                .param("threads", threads.split(",")).param("type", types.split(",")).param("shape", shapes.split(","))
                .param("batch", batches.split(","));
        if (!extra.isEmpty()) base = base.jvmArgsAppend(extra.split(" "));
        Collection<RunResult> mm = new Runner(base.include(MatMulBench.class.getSimpleName()).build()).run();

        List<String> rows = new ArrayList<>();
        rows.add(String.format(Locale.ROOT, "triad  threads=%s  %.1f GB/s (%.0f us per 3 x %d floats)", threads, triadGBs, triadUs,
                Integer.parseInt(tr.getParams().getParam("length"))));
        rows.add(String.format(Locale.ROOT, "%-6s %-11s %5s %11s %9s %9s %8s", "type", "n x k", "batch", "us", "GB/s", "GFLOP/s", "/triad"));
        for (RunResult r : mm) {
            var p = r.getParams();
            String[] nk = p.getParam("shape").split("x");
            long n = Long.parseLong(nk[0]), k = Long.parseLong(nk[1]);
            int b = Integer.parseInt(p.getParam("batch"));
            double us = r.getPrimaryResult().getScore();
            double bytes = GgmlType.parse(p.getParam("type")).rowBytes(k) * n;
            double gbs = bytes / (us * 1e3), gflops = 2.0 * n * k * b / (us * 1e3);
            rows.add(String.format(Locale.ROOT, "%-6s %-11s %5d %11.1f %9.2f %9.1f %8.2f", p.getParam("type"), p.getParam("shape"), b, us,
                    gbs, gflops, gbs / triadGBs));
        }
        System.out.println();
        System.out.println("== CPU kernel summary ==");
        rows.forEach(System.out::println);
    }
}
