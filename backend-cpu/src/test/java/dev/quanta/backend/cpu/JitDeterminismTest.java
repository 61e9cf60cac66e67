package dev.quanta.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The CPU kernels give the same bits before and after the JIT compiles them: a digest of MUL_MAT
 * (every weight type; GEMV one row and four rows, the float GEMM), SWIGLU and attention (short and
 * tiled, with and without soft-cap) computed here after a warm-up equals the digest a child JVM
 * computes with {@code -Xint}. The Vector API's {@code reduceLanes(ADD)} and {@code EXP} broke this
 * (C2 sums lanes and takes exponentials differently from the Java code that runs first), and
 * greedy output changed after a few requests.
 */
class JitDeterminismTest {
    static final long SEED = 20261130L;
    static final GgmlType[] TYPES = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1,
        GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K};

    /** Hex SHA-256 of every output, computed on {@code device} (weights wrapped by the shared test device, which reads host memory in place). */
    static String digest(CpuDevice device) throws Exception {
        Random r = new Random(SEED);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (Stream s = device.openStream()) {
            Graph g = new Graph();
            List<Tensor> outs = new ArrayList<>();
            int k = 256, n = 16;
            for (GgmlType t : TYPES) {
                Tensor w = CpuTestSupport.storage("w." + t, t, CpuTestSupport.randn(r, k * n, 1f), k, n);
                for (int m : new int[] {1, 4, 9}) outs.add(g.mulMat(w, g.input("x." + t + m, GgmlType.F32, k, m).setFloats(CpuTestSupport.randn(r, k * m, 2f))).markOutput());
            }
            Tensor gate = g.input("gate", GgmlType.F32, 512, 3).setFloats(CpuTestSupport.randn(r, 512 * 3, 3f));
            Tensor up = g.input("up", GgmlType.F32, 512, 3).setFloats(CpuTestSupport.randn(r, 512 * 3, 1f));
            outs.add(g.swiglu(gate, up).markOutput());
            for (int[] sh : new int[][] {{3, 70}, {64, 256}}) { // short pass; tiled pass (nTok·nKv ≥ 16384)
                int hd = 64, nHead = 2, nKvHead = 1, nTok = sh[0], nKv = sh[1];
                Tensor kk = CpuTestSupport.storage("k", GgmlType.F16, CpuTestSupport.randn(r, hd * nKvHead * nKv, 1f), (long) hd * nKvHead, nKv);
                Tensor vv = CpuTestSupport.storage("v", GgmlType.F16, CpuTestSupport.randn(r, hd * nKvHead * nKv, 1f), (long) hd * nKvHead, nKv);
                float[] mask = new float[nKv * nTok];
                for (int t = 0; t < nTok; t++) for (int j = 0; j < nKv; j++) mask[t * nKv + j] = j > nKv - nTok + t ? Float.NEGATIVE_INFINITY : 0f;
                for (float cap : new float[] {0f, 5f}) {
                    Tensor q = g.input("q", GgmlType.F32, hd, nHead, nTok).setFloats(CpuTestSupport.randn(r, hd * nHead * nTok, 2f));
                    Tensor tm = g.input("mask", GgmlType.F32, nKv, nTok).setFloats(mask);
                    outs.add(g.attention(q, kk, vv, tm, new OpParams.Attention(nHead, nKvHead, hd, hd, 0.125f, cap)).markOutput());
                }
            }
            s.compute(g);
            for (Tensor t : outs) {
                float[] o = new float[(int) t.nelements()];
                s.readFloats(t, o);
                for (float f : o) {
                    int b = Float.floatToRawIntBits(f);
                    md.update(new byte[] {(byte) b, (byte) (b >> 8), (byte) (b >> 16), (byte) (b >> 24)});
                }
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The child JVM: prints the digest computed by the interpreter. */
    public static void main(String[] args) throws Exception {
        System.out.println("DIGEST " + digest(CpuTestSupport.DEVICE));
    }

    @Test
    void interpretedAndCompiledKernelsAgreeBitForBit() throws Exception {
        System.out.println("seed " + SEED);
        String first = digest(CpuTestSupport.DEVICE);
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
        int runs = 0;
        while (runs < 200 || System.nanoTime() < until) {
            digest(CpuTestSupport.DEVICE);
            runs++;
        }
        String compiled = digest(CpuTestSupport.DEVICE);
        assertEquals(first, compiled, "digest changed while the JIT warmed up (" + runs + " runs)");

        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xint", "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path")));
        String bits = System.getProperty("quanta.cpu.vectorBits"); // the same kernels as here
        if (bits != null) cmd.add("-Dquanta.cpu.vectorBits=" + bits);
        cmd.add(JitDeterminismTest.class.getName());
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(buf);
        }
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(true, done && p.exitValue() == 0, "the -Xint child failed:\n" + out);
        String interpreted = out.lines().filter(l -> l.startsWith("DIGEST ")).map(l -> l.substring(7)).findFirst()
                .orElseThrow(() -> new AssertionError("no digest from the -Xint child:\n" + out));
        System.out.printf("digest %s after %d runs; -Xint child (%.1f s) %s%n", compiled, runs, (System.nanoTime() - t0) / 1e9, interpreted);
        assertEquals(interpreted, compiled, "the interpreter and the compiled kernels disagree");
    }
}
