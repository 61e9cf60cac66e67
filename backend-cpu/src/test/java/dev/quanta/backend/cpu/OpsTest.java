package dev.quanta.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.BackendException;
import dev.quanta.kernels.backend.DeviceBuffer;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.kernels.testing.TestData;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The row ops and attention against straightforward double-precision versions of {@code Op}'s definitions. */
class OpsTest {
    static final float NEG_INF = Float.NEGATIVE_INFINITY;

    static double[] d(float[] x) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) r[i] = x[i];
        return r;
    }

    static float[] run(Graph g, Tensor out) {
        try (Stream s = CpuTestSupport.DEVICE.openStream()) {
            s.compute(g);
            float[] o = new float[(int) out.nelements()];
            s.readFloats(out, o);
            return o;
        }
    }

    static void close(float[] got, double[] ref, double budget, String what) {
        double e = CpuTestSupport.nmse(got, ref);
        assertTrue(e < budget, what + ": NMSE " + e);
    }

    @Test
    void elementwise() {
        Random r = new Random(TestData.seed("OpsTest.elementwise", 3));
        for (int[] sh : new int[][] {{1, 1}, {7, 3}, {4099, 5}, {300, 200}}) { // the last one runs on the pool
            int n = sh[0], m = sh[1];
            float[] a = CpuTestSupport.randn(r, n * m, 2f), b = CpuTestSupport.randn(r, n * m, 1f), b1 = CpuTestSupport.randn(r, n, 1f);
            Graph g = new Graph();
            Tensor ta = g.input("a", GgmlType.F32, n, m).setFloats(a);
            Tensor tb = g.input("b", GgmlType.F32, n, m).setFloats(b);
            Tensor tb1 = g.input("b1", GgmlType.F32, n).setFloats(b1);
            Tensor add = g.add(ta, tb).markOutput(), mulB = g.mul(ta, tb1).markOutput(), sc = g.scale(ta, 0.25f).markOutput();
            Tensor silu = g.silu(ta).markOutput(), gelu = g.gelu(ta).markOutput(), cap = g.softcap(ta, 1.5f).markOutput();
            Tensor swi = g.swiglu(ta, tb).markOutput(), geg = g.geglu(ta, tb).markOutput();
            try (Stream s = CpuTestSupport.DEVICE.openStream()) {
                s.compute(g);
                check(s, add, n * m, i -> a[i] + b[i]);
                check(s, mulB, n * m, i -> a[i] * b1[i % n]);
                check(s, sc, n * m, i -> a[i] * 0.25);
                check(s, silu, n * m, i -> silu(a[i]));
                check(s, gelu, n * m, i -> gelu(a[i]));
                check(s, cap, n * m, i -> 1.5 * Math.tanh(a[i] / 1.5));
                check(s, swi, n * m, i -> silu(a[i]) * b[i]);
                check(s, geg, n * m, i -> gelu(a[i]) * b[i]);
            }
        }
    }

    static double silu(double x) { return x / (1 + Math.exp(-x)); }

    static double gelu(double x) { return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * x * (1 + 0.044715 * x * x))); }

    interface IndexFn { double at(int i); }

    static void check(Stream s, Tensor t, int n, IndexFn f) {
        float[] got = new float[n];
        s.readFloats(t, got);
        double[] ref = new double[n];
        for (int i = 0; i < n; i++) ref[i] = f.at(i);
        close(got, ref, 1e-10, t.toString());
    }

    @Test
    void norms() {
        Random r = new Random(TestData.seed("OpsTest.norms", 5));
        int n = 67, m = 4;
        float[] x = CpuTestSupport.randn(r, n * m, 3f), w = CpuTestSupport.randn(r, n, 1f), bias = CpuTestSupport.randn(r, n, 1f);
        Graph g = new Graph();
        Tensor tx = g.input("x", GgmlType.F32, n, m).setFloats(x);
        Tensor tw = g.input("w", GgmlType.F32, n).setFloats(w);
        Tensor tb = g.input("b", GgmlType.F32, n).setFloats(bias);
        Tensor rms = g.rmsNorm(tx, tw, 1e-5f).markOutput(), rms0 = g.rmsNorm(tx, null, 1e-6f).markOutput();
        Tensor ln = g.norm(tx, tw, tb, 1e-5f).markOutput();
        double[] rr = new double[n * m], r0 = new double[n * m], rl = new double[n * m];
        for (int j = 0; j < m; j++) {
            double ss = 0, mean = 0, var = 0;
            for (int i = 0; i < n; i++) { ss += x[j * n + i] * x[j * n + i]; mean += x[j * n + i]; }
            mean /= n;
            for (int i = 0; i < n; i++) var += (x[j * n + i] - mean) * (x[j * n + i] - mean);
            var /= n;
            for (int i = 0; i < n; i++) {
                rr[j * n + i] = x[j * n + i] / Math.sqrt(ss / n + 1e-5) * w[i];
                r0[j * n + i] = x[j * n + i] / Math.sqrt(ss / n + 1e-6);
                rl[j * n + i] = (x[j * n + i] - mean) / Math.sqrt(var + 1e-5) * w[i] + bias[i];
            }
        }
        try (Stream s = CpuTestSupport.DEVICE.openStream()) {
            s.compute(g);
            float[] o = new float[n * m];
            s.readFloats(rms, o);
            close(o, rr, 1e-10, "rms_norm");
            s.readFloats(rms0, o);
            close(o, r0, 1e-10, "rms_norm no weight");
            s.readFloats(ln, o);
            close(o, rl, 1e-10, "norm");
        }
    }

    @ParameterizedTest
    @EnumSource(OpParams.RopeMode.class)
    void rope(OpParams.RopeMode mode) {
        Random r = new Random(TestData.seed("OpsTest.rope", 9));
        int hd = 16, nh = 3, nt = 4, nRot = 12;
        float[] x = CpuTestSupport.randn(r, hd * nh * nt, 1f);
        int[] pos = {0, 5, 17, 1000};
        float[] ff = {1f, 1f, 2f, 4f, 8f, 1f};
        Graph g = new Graph();
        Tensor tx = g.input("x", GgmlType.F32, hd, nh, nt).setFloats(x);
        Tensor tp = g.input("pos", GgmlType.I32, nt).setInts(pos);
        Tensor tf = g.input("ff", GgmlType.F32, nRot / 2).setFloats(ff);
        Tensor out = g.rope(tx, tp, tf, OpParams.Rope.plain(mode, nRot, 10000f)).markOutput();
        double[] ref = new double[x.length];
        for (int t = 0; t < nt; t++)
            for (int h = 0; h < nh; h++) {
                int o = (t * nh + h) * hd;
                for (int i = 0; i < hd; i++) ref[o + i] = x[o + i];
                for (int i = 0; i < nRot / 2; i++) {
                    double theta = pos[t] * Math.pow(10000, -2.0 * i / nRot) / ff[i];
                    int i0 = mode == OpParams.RopeMode.NEOX ? i : 2 * i, i1 = mode == OpParams.RopeMode.NEOX ? i + nRot / 2 : 2 * i + 1;
                    ref[o + i0] = x[o + i0] * Math.cos(theta) - x[o + i1] * Math.sin(theta);
                    ref[o + i1] = x[o + i0] * Math.sin(theta) + x[o + i1] * Math.cos(theta);
                }
            }
        close(run(g, out), ref, 1e-8, "rope " + mode);
    }

    @Test
    void softMaxWithMask() {
        Random r = new Random(TestData.seed("OpsTest.softmax", 11));
        int n = 37, m = 3;
        float[] a = CpuTestSupport.randn(r, n * m, 3f), mask = new float[n * m];
        for (int j = 0; j < m; j++) for (int i = 0; i < n; i++) mask[j * n + i] = i > 20 + j ? NEG_INF : 0f;
        for (int i = 0; i < n; i++) mask[2 * n + i] = NEG_INF; // a fully masked row gives zeros
        Graph g = new Graph();
        Tensor ta = g.input("a", GgmlType.F32, n, m).setFloats(a);
        Tensor tm = g.input("mask", GgmlType.F32, n, m).setFloats(mask);
        Tensor out = g.softMax(ta, tm, 0.5f).markOutput();
        double[] ref = new double[n * m];
        for (int j = 0; j < 2; j++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < n; i++) max = Math.max(max, a[j * n + i] * 0.5 + mask[j * n + i]);
            for (int i = 0; i < n; i++) sum += Math.exp(a[j * n + i] * 0.5 + mask[j * n + i] - max);
            for (int i = 0; i < n; i++) ref[j * n + i] = Math.exp(a[j * n + i] * 0.5 + mask[j * n + i] - max) / sum;
        }
        close(run(g, out), ref, 1e-10, "soft_max");
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    void getRowsSetRowsCpy(GgmlType type) {
        Random r = new Random(TestData.seed("OpsTest.rows." + type, 13));
        int k = 64, rows = 10;
        float[] table = CpuTestSupport.randn(r, k * rows, 1f);
        Tensor tt = CpuTestSupport.storage("table", type, table, k, rows);
        float[] dq = CpuTestSupport.roundTrip(type, table, k);
        int[] ids = {3, 0, 9, 3};
        Graph g = new Graph();
        Tensor ti = g.input("ids", GgmlType.I32, ids.length).setInts(ids);
        Tensor got = g.getRows(tt, ti).markOutput();
        double[] ref = new double[k * ids.length];
        for (int j = 0; j < ids.length; j++) for (int i = 0; i < k; i++) ref[j * k + i] = dq[ids[j] * k + i];
        assertArrayEquals(ref, d(run(g, got)), 0.0, "get_rows " + type);

        // SET_ROWS into a cache of this type, then CPY it back to F32: the codec's round trip
        DeviceBuffer cacheBuf = CpuTestSupport.DEVICE.allocate(type.rowBytes(k) * 6, "cache");
        Tensor cache = Tensor.storage("cache", type, cacheBuf, 0, k, 6);
        float[] src = CpuTestSupport.randn(r, k * 2, 1f);
        Graph g2 = new Graph();
        Tensor ts = g2.input("src", GgmlType.F32, k, 2).setFloats(src);
        Tensor idx = g2.input("idx", GgmlType.I32, 2).setInts(4, 1);
        Tensor set = g2.setRows(cache, ts, idx);
        Tensor back = g2.cpy(g2.rows(set, 0, 6), GgmlType.F32).markOutput();
        float[] out = run(g2, back);
        float[] srcRt = CpuTestSupport.roundTrip(type, src, k);
        for (int i = 0; i < k; i++) {
            assertEquals(srcRt[i], out[4 * k + i], 0f, "row 4");
            assertEquals(srcRt[k + i], out[k + i], 0f, "row 1");
            assertEquals(0f, out[i], 0f, "row 0 untouched");
        }
    }

    @Test
    void argmaxAndBadIds() {
        Graph g = new Graph();
        Tensor a = g.input("a", GgmlType.F32, 5, 2).setFloats(1, 7, 3, 7, 2, -1, -3, -0.5f, -2, -9);
        Tensor am = g.argmax(a).markOutput();
        try (Stream s = CpuTestSupport.DEVICE.openStream()) {
            s.compute(g);
            int[] o = new int[2];
            s.readInts(am, o);
            assertArrayEquals(new int[] {1, 2}, o);
        }
        Tensor table = CpuTestSupport.storage("table", GgmlType.F32, new float[8], 4, 2);
        Graph g2 = new Graph();
        g2.getRows(table, g2.input("ids", GgmlType.I32, 1).setInts(2)).markOutput();
        try (Stream s = CpuTestSupport.DEVICE.openStream()) {
            BackendException e = assertThrows(BackendException.class, () -> s.compute(g2));
            assertTrue(e.getMessage().contains("row id 2"), e.getMessage());
        }
    }

    @Test
    void intermediatesReuseMemoryAcrossAChain() {
        // a long chain: the plan must reuse freed ranges, and results must stay right
        int n = 1000;
        Graph g = new Graph();
        Tensor x = g.input("x", GgmlType.F32, n).setFloats(new float[n]);
        Tensor one = g.input("one", GgmlType.F32, n);
        float[] ones = new float[n];
        java.util.Arrays.fill(ones, 1f);
        one.setFloats(ones);
        Tensor t = x;
        for (int i = 0; i < 50; i++) t = g.add(t, one);
        t.markOutput();
        float[] o = run(g, t);
        for (float v : o) assertEquals(50f, v);
        MemoryPlan p = new MemoryPlan();
        p.plan(g);
        assertTrue(p.size <= 3 * 4096, "arena " + p.size + " bytes for a chain of 4 KB tensors");
        assertTrue(MemorySegment.NULL.byteSize() == 0);
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "Q8_0"})
    void attentionMatchesNaive(GgmlType kvType) {
        Random r = new Random(TestData.seed("OpsTest.attention." + kvType, 17));
        // (nHead, nKvHead, head size, nKv, nTok): one chunk; several chunks of cells with a causal
        // mask (whole chunks skipped, query tiles of several tokens, a last partial tile); head size 8
        int[][] shapes = {{4, 2, 32, 11, 3}, {8, 2, 32, 150, 9}, {8, 4, 8, 200, 7}, {2, 2, 64, 70, 5}, {6, 1, 8, 65, 3}};
        for (int[] sh : shapes) {
            if (kvType == GgmlType.Q8_0 && sh[2] % 32 != 0) continue;
            attentionCase(kvType, r, sh[0], sh[1], sh[2], sh[3], sh[4]);
        }
    }

    private void attentionCase(GgmlType kvType, Random r, int nHead, int nKvHead, int hd, int nKv, int nTok) {
        float[] q = CpuTestSupport.randn(r, hd * nHead * nTok, 1f);
        float[] kf = CpuTestSupport.randn(r, hd * nKvHead * nKv, 1f), vf = CpuTestSupport.randn(r, hd * nKvHead * nKv, 1f);
        Tensor k = CpuTestSupport.storage("k", kvType, kf, (long) hd * nKvHead, nKv);
        Tensor v = CpuTestSupport.storage("v", kvType, vf, (long) hd * nKvHead, nKv);
        float[] kd = CpuTestSupport.roundTrip(kvType, kf, hd * nKvHead), vd = CpuTestSupport.roundTrip(kvType, vf, hd * nKvHead);
        float[] mask = new float[nKv * nTok];
        for (int t = 0; t < nTok; t++) for (int j = 0; j < nKv; j++) mask[t * nKv + j] = j > nKv - nTok - 2 + t ? NEG_INF : 0f;
        for (int j = 0; j < nKv; j++) mask[j] = j == 3 ? -1.5f : mask[j]; // a finite mask value too
        if (nKv > 100) for (int j = 0; j < nKv; j++) mask[nKv + j] = j < 64 ? NEG_INF : mask[nKv + j]; // a chunk hidden from one row
        if (nTok > 4) for (int j = 0; j < nKv; j++) mask[4 * nKv + j] = NEG_INF; // a row that sees nothing: zeros
        float scale = (float) (1 / Math.sqrt(hd));
        for (float cap : new float[] {0f, 5f}) {
            Graph g = new Graph();
            Tensor tq = g.input("q", GgmlType.F32, hd, nHead, nTok).setFloats(q);
            Tensor tm = g.input("mask", GgmlType.F32, nKv, nTok).setFloats(mask);
            Tensor out = g.attention(tq, k, v, tm, new OpParams.Attention(nHead, nKvHead, hd, hd, scale, cap)).markOutput();
            double[] ref = new double[hd * nHead * nTok];
            for (int t = 0; t < nTok; t++)
                for (int h = 0; h < nHead; h++) {
                    int kvh = h / (nHead / nKvHead);
                    double[] sc = new double[nKv];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < nKv; j++) {
                        double s = 0;
                        for (int i = 0; i < hd; i++) s += (double) q[(t * nHead + h) * hd + i] * kd[j * hd * nKvHead + kvh * hd + i];
                        s *= scale;
                        if (cap != 0) s = cap * Math.tanh(s / cap);
                        sc[j] = s + mask[t * nKv + j];
                        max = Math.max(max, sc[j]);
                    }
                    if (max == Double.NEGATIVE_INFINITY) continue; // all masked: zeros
                    double sum = 0;
                    for (int j = 0; j < nKv; j++) sum += Math.exp(sc[j] - max);
                    for (int i = 0; i < hd; i++) {
                        double o = 0;
                        for (int j = 0; j < nKv; j++) o += Math.exp(sc[j] - max) / sum * vd[j * hd * nKvHead + kvh * hd + i];
                        ref[(t * nHead + h) * hd + i] = o;
                    }
                }
            // Q8_0 K meets a Q8-quantized q (as in ggml), so its budget is the activation quantization error
            for (int shortMax : new int[] {0, Integer.MAX_VALUE}) { // the tiled pass, then the short one
                float[] got;
                try (CpuStream s = (CpuStream) CpuTestSupport.DEVICE.openStream()) {
                    s.attentionShortMaxKv(shortMax);
                    s.compute(g);
                    got = new float[(int) out.nelements()];
                    s.readFloats(out, got);
                }
                close(got, ref, kvType == GgmlType.Q8_0 ? 1e-4 : 1e-9, "attention " + kvType + " softcap " + cap
                        + (shortMax == 0 ? " tiled" : " short") + " shape " + nHead + "/" + nKvHead + "/" + hd + "/" + nKv + "/" + nTok);
            }
        }
    }
}
