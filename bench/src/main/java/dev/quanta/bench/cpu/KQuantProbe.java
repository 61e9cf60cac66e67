package dev.quanta.bench.cpu;

import dev.quanta.backend.cpu.CpuDevice;
import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;

/**
 * One-thread MUL_MAT probe timed in <em>thread CPU time</em> (not wall time), so that figures
 * stay comparable on a shared, loaded machine: for each type and batch it runs W[k, n] · X[k, batch]
 * on a one-thread {@link CpuDevice} (the caller does all the work), warms up, and prints the best
 * of several rounds as ns per 32-element block per activation row and GB/s of weights per row pass.
 * Allocation per call is printed from the thread's allocated-bytes counter.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp 'bench/target/quanta-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*' \
 *   dev.quanta.bench.cpu.KQuantProbe types=Q4_0,Q4_K,Q6_K shape=4096x4096 batches=1,4 seconds=2</pre>
 */
public final class KQuantProbe {
    private KQuantProbe() {}

    public static void main(String[] args) {
        String types = "Q4_0,Q4_K,Q5_K,Q6_K", shape = "4096x4096", batches = "1,4";
        double seconds = 2;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2) throw new IllegalArgumentException("expected key=value, got " + a);
            switch (kv[0]) {
                case "types" -> types = kv[1];
                case "shape" -> shape = kv[1];
                case "batches" -> batches = kv[1];
                case "seconds" -> seconds = Double.parseDouble(kv[1]);
                default -> throw new IllegalArgumentException("unknown key " + kv[0]);
            }
        }
        String[] nk = shape.split("x");
        int n = Integer.parseInt(nk[0]), k = Integer.parseInt(nk[1]);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        com.sun.management.ThreadMXBean smx = (com.sun.management.ThreadMXBean) mx;
        System.out.printf("%-6s %-10s %5s %12s %12s %10s %10s%n", "type", "n x k", "batch", "cpu us/op", "ns/32/row", "GB/s", "B alloc");
        for (String ts : types.split(",")) {
            GgmlType t = GgmlType.parse(ts);
            try (Arena arena = Arena.ofShared(); CpuDevice device = new CpuDevice(1)) {
                MemorySegment w = MatMulBench.randomWeights(arena, t, n, k, 1);
                Tensor wt = Tensor.storage("w", t, device.wrapHost(w, "w"), 0, k, n);
                for (String bs : batches.split(",")) {
                    int batch = Integer.parseInt(bs);
                    Graph g = new Graph();
                    Tensor x = g.input("x", GgmlType.F32, k, batch);
                    Random r = new Random(2);
                    float[] xf = new float[k * batch];
                    for (int i = 0; i < xf.length; i++) xf[i] = (float) r.nextGaussian();
                    x.setFloats(xf);
                    g.mulMat(wt, x).markOutput();
                    try (Stream s = device.openStream()) {
                        long end = System.nanoTime() + (long) (seconds * 1e9);
                        while (System.nanoTime() < end) s.compute(g);
                        double best = Double.MAX_VALUE;
                        long alloc = 0;
                        for (int round = 0; round < 5; round++) {
                            int iters = 0;
                            long a0 = smx.getCurrentThreadAllocatedBytes();
                            long c0 = mx.getCurrentThreadCpuTime();
                            long stop = System.nanoTime() + (long) (seconds * 1e9 / 5);
                            do {
                                s.compute(g);
                                iters++;
                            } while (System.nanoTime() < stop);
                            double us = (mx.getCurrentThreadCpuTime() - c0) / 1e3 / iters;
                            alloc = (smx.getCurrentThreadAllocatedBytes() - a0) / iters;
                            best = Math.min(best, us);
                        }
                        double perBlock = best * 1e3 / ((double) n * k / 32 * batch);
                        double gbs = t.rowBytes(k) * n * batch / (best * 1e-6) / 1e9;
                        System.out.printf("%-6s %-10s %5d %12.1f %12.2f %10.2f %10d%n", ts, shape, batch, best, perBlock, gbs, alloc);
                    }
                }
            }
        }
    }
}
