package dev.quanta.bench.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
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
 * A STREAM-like triad, a[i] = b[i] + s·c[i] over three arrays far larger than the caches, split
 * over {@code threads} platform threads: the machine's memory bandwidth, the roof that decode
 * GEMV is measured against (bytes moved = 3 arrays; write-allocate traffic not counted, as STREAM).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class TriadBench {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** Floats per array (64 Mi floats = 256 MiB each). */
    @Param({"16777216"})
    public int length;

    @Param({"2"})
    public int threads;

    Arena arena;
    MemorySegment a, b, c;
    java.util.concurrent.ExecutorService pool;
    java.util.concurrent.Future<?>[] futures;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        a = arena.allocate(4L * length, 64);
        b = arena.allocate(4L * length, 64);
        c = arena.allocate(4L * length, 64);
        for (long i = 0; i < length; i++) {
            b.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, i);
            c.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, 1);
        }
        pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        futures = new java.util.concurrent.Future<?>[threads];
    }

    /** Bytes one triad moves. */
    public long bytes() {
        return 12L * length;
    }

    @Benchmark
    public void triad() throws Exception {
        for (int t = 0; t < threads; t++) {
            final int from = (int) ((long) length * t / threads) / F.length() * F.length();
            final int to = t == threads - 1 ? length : (int) ((long) length * (t + 1) / threads) / F.length() * F.length();
            futures[t] = pool.submit(() -> run(from, to));
        }
        for (var f : futures) f.get();
    }

    private void run(int from, int to) {
        FloatVector s = FloatVector.broadcast(F, 3f);
        int i = from;
        for (; i <= to - F.length(); i += F.length()) {
            long o = 4L * i;
            FloatVector.fromMemorySegment(F, c, o, ByteOrder.LITTLE_ENDIAN).fma(s, FloatVector.fromMemorySegment(F, b, o, ByteOrder.LITTLE_ENDIAN))
                    .intoMemorySegment(a, o, ByteOrder.LITTLE_ENDIAN);
        }
        for (; i < to; i++) a.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i,
                b.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i) + 3f * c.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdown();
        arena.close();
    }
}
