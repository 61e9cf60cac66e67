package dev.quanta.bench.cpu;

import dev.quanta.backend.cpu.CpuDevice;
import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

/**
 * MUL_MAT timing that tolerates a loaded machine: each case runs back to back for a few seconds
 * after a warm-up, and the <em>minimum</em> and median time per call are reported (JMH's mean
 * swings by ±100% when other jobs share the cores). Per case: ns per 32-element weight block per
 * activation row (the kernel cost) and GB/s of weights read (for batch 1, the GEMV bandwidth).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp 'bench/target/quanta-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*' \
 *   dev.quanta.bench.cpu.KernelProbe types=Q4_0,Q8_0 shapes=4096x4096,8192x2048 batches=1 threads=2 seconds=3
 * </pre>
 */
public final class KernelProbe {
    private KernelProbe() {}

    public static void main(String[] args) {
        String types = "Q4_0,Q8_0", shapes = "4096x4096,8192x2048", batches = "1";
        int threads = 2, copies = 1;
        double seconds = 3;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "types" -> types = kv[1];
                case "shapes" -> shapes = kv[1];
                case "batches" -> batches = kv[1];
                case "threads" -> threads = Integer.parseInt(kv[1]);
                case "seconds" -> seconds = Double.parseDouble(kv[1]);
                case "copies" -> copies = Integer.parseInt(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument " + a + " (types= shapes= batches= threads= seconds= copies=)");
            }
        }
        System.out.printf("%-7s %-10s %5s %3s %12s %12s %14s %8s%n", "type", "n x k", "batch", "thr", "min us", "median us", "ns/block/row", "GB/s");
        for (String ty : types.split(","))
            for (String sh : shapes.split(","))
                for (String b : batches.split(",")) run(GgmlType.parse(ty), sh, Integer.parseInt(b), threads, seconds, copies);
    }

    /**
     * One case; with {@code copies} > 1 the graph multiplies that many distinct weight matrices by
     * the same activations (times are per matrix), so that the weights stream from DRAM as in a
     * model's decode step instead of staying in the last-level cache.
     */
    static void run(GgmlType t, String shape, int batch, int threads, double seconds, int copies) {
        String[] nk = shape.split("x");
        int n = Integer.parseInt(nk[0]), k = Integer.parseInt(nk[1]);
        try (Arena arena = Arena.ofShared(); CpuDevice device = new CpuDevice(threads)) {
            Graph g = new Graph();
            Tensor x = g.input("x", GgmlType.F32, k, batch);
            Random r = new Random(2);
            float[] xf = new float[k * batch];
            for (int i = 0; i < xf.length; i++) xf[i] = (float) r.nextGaussian();
            x.setFloats(xf);
            for (int c = 0; c < copies; c++) {
                MemorySegment w = MatMulBench.randomWeights(arena, t, n, k, 1 + c);
                g.mulMat(Tensor.storage("w" + c, t, device.wrapHost(w, "w" + c), 0, k, n), x).markOutput();
            }
            try (Stream s = device.openStream()) {
                long end = System.nanoTime() + (long) (seconds * 0.4e9);
                while (System.nanoTime() < end) s.compute(g); // warm-up (C2)
                long[] times = new long[1 << 16];
                int cnt = 0;
                end = System.nanoTime() + (long) (seconds * 1e9);
                while (cnt < times.length && (System.nanoTime() < end || cnt < 3)) {
                    long t0 = System.nanoTime();
                    s.compute(g);
                    times[cnt++] = System.nanoTime() - t0;
                }
                long[] ts = Arrays.copyOf(times, cnt);
                Arrays.sort(ts);
                double min = (double) ts[0] / copies, med = (double) ts[cnt / 2] / copies;
                double blocks = (double) n * k / 32 * batch;
                double bytes = (double) t.rowBytes(k) * n;
                System.out.printf("%-7s %-10s %5d %3d %12.1f %12.1f %14.3f %8.1f%n", t, shape, batch, threads, min / 1e3, med / 1e3,
                        min * threads / blocks, bytes / min);
            }
        }
    }
}
