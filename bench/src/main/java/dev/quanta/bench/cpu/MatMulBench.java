package dev.quanta.bench.cpu;

import dev.quanta.backend.cpu.CpuDevice;
import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.kernels.quant.QuantCodec;
import dev.quanta.kernels.quant.QuantCodecs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * MUL_MAT on the CPU backend at the decode shapes of Llama-3.2-1B (2048x2048, 8192x2048,
 * 2048x8192) and Llama-3.1-8B (4096x4096, 14336x4096, 4096x14336), written n x k (n weight rows
 * of k elements), per weight type; batch 1 is the decode GEMV, 32 and 512 prefill GEMM. Run
 * {@link CpuBenchReport} for GB/s, GFLOP/s and the fraction of the triad bandwidth.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MatMulBench {
    @Param({"Q4_0", "Q8_0", "F16", "F32"})
    public String type;

    @Param({"2048x2048", "8192x2048", "2048x8192", "4096x4096", "14336x4096", "4096x14336"})
    public String shape;

    @Param({"1"})
    public int batch;

    @Param({"2"})
    public int threads;

    CpuDevice device;
    Stream stream;
    Graph graph;
    Arena arena;
    long weightBytes;
    int n, k;

    @Setup(Level.Trial)
    public void setup() {
        String[] nk = shape.split("x");
        n = Integer.parseInt(nk[0]);
        k = Integer.parseInt(nk[1]);
        GgmlType t = GgmlType.parse(type);
        device = new CpuDevice(threads);
        arena = Arena.ofShared();
        weightBytes = t.rowBytes(k) * n;
        MemorySegment w = randomWeights(arena, t, n, k, 1);
        Tensor wt = Tensor.storage("w", t, device.wrapHost(w, "w"), 0, k, n);
        graph = new Graph();
        Tensor x = graph.input("x", GgmlType.F32, k, batch);
        Random r = new Random(2);
        float[] xf = new float[k * batch];
        for (int i = 0; i < xf.length; i++) xf[i] = (float) r.nextGaussian();
        x.setFloats(xf);
        graph.mulMat(wt, x).markOutput();
        stream = device.openStream();
    }

    /** n rows of k elements of {@code t}, from seeded Gaussian floats (quantized in parallel by rows). */
    static MemorySegment randomWeights(Arena arena, GgmlType t, int n, int k, long seed) {
        QuantCodec c = QuantCodecs.of(t);
        long rb = t.rowBytes(k);
        MemorySegment w = arena.allocate(rb * n, 64);
        java.util.stream.IntStream.range(0, n).parallel().forEach(i -> {
            Random r = new Random(seed * 1_000_003L + i);
            float[] row = new float[k];
            for (int j = 0; j < k; j++) row[j] = (float) r.nextGaussian();
            c.quantizeRowRef(row, 0, w, i * rb, k);
        });
        return w;
    }

    /** Same as randomWeights, for probes outside this package. */
    public static MemorySegment randomWeightsPublic(Arena arena, GgmlType t, int n, int k, long seed) {
        return randomWeights(arena, t, n, k, seed);
    }

    @Benchmark
    public void mulMat() {
        stream.compute(graph);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stream.close();
        device.close();
        arena.close();
    }
}
