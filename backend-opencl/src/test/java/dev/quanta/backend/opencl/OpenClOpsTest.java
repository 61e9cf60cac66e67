package dev.quanta.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.DeviceBuffer;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.kernels.quant.QuantCodecs;
import dev.quanta.kernels.testing.TestData;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every op of the contract on the OpenCL device (PoCL in CI) against scalar expectations, small shapes. */
class OpenClOpsTest {
    static OpenClDevice dev;
    static Stream stream;
    static Random rnd;

    @BeforeAll
    static void open() {
        dev = new OpenClDevice(TestDevices.requireDevice());
        stream = dev.openStream();
        rnd = new Random(TestData.seed("OpenClOpsTest", 42));
    }

    @AfterAll
    static void close() {
        if (dev != null) dev.close();
    }

    static Tensor storage(String name, GgmlType t, MemorySegment bytes, long... ne) {
        DeviceBuffer b = dev.allocate(bytes.byteSize(), name);
        b.write(0, bytes);
        return Tensor.storage(name, t, b, 0, ne);
    }

    static Tensor storageF32(String name, float[] v, long... ne) {
        return storage(name, GgmlType.F32, MemorySegment.ofArray(v), ne);
    }

    static float[] gauss(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }

    static float[] run(Graph g, Tensor out) {
        out.markOutput();
        stream.compute(g);
        float[] r = new float[(int) out.nelements()];
        stream.readFloats(out, r);
        return r;
    }

    static void assertClose(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs(want[i] - got[i]);
            if (!(err <= tol * Math.max(1, Math.abs(want[i]))) && !(Float.isNaN(want[i]) && Float.isNaN(got[i])))
                fail(what + ": element " + i + " want " + want[i] + " got " + got[i]);
        }
    }

    enum W { F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K, IQ4_NL, IQ4_XS }

    @ParameterizedTest
    @EnumSource(W.class)
    void mulMatAndGetRows(W w) {
        GgmlType t = GgmlType.valueOf(w.name());
        int k = t.blockSize == 256 ? 512 : t == GgmlType.F32 ? 172 : 96, n = 7;
        MemorySegment bytes = RefDecode.random(t, n, k, rnd);
        float[][] wf = new float[n][];
        for (int i = 0; i < n; i++) wf[i] = RefDecode.row(t, bytes, i * t.rowBytes(k), k);
        Tensor wt = storage("w", t, bytes, k, n);
        for (int m : new int[] {1, 3, 37}) { // 1 and 3: GEMV path; 37: tiled GEMM with a ragged tile
            float[] x = gauss(k * m);
            Graph g = new Graph();
            Tensor xi = g.input("x", GgmlType.F32, k, m).setFloats(x);
            Tensor y = g.mulMat(wt, xi);
            float[] got = run(g, y);
            float[] want = new float[n * m];
            for (int j = 0; j < m; j++)
                for (int i = 0; i < n; i++) {
                    double s = 0;
                    for (int e = 0; e < k; e++) s += (double) wf[i][e] * x[j * k + e];
                    want[j * n + i] = (float) s;
                }
            assertClose(want, got, 2e-4 * Math.sqrt(k), t + " MUL_MAT m=" + m);
        }
        Graph g = new Graph();
        Tensor ids = g.input("ids", GgmlType.I32, 4).setInts(6, 0, 3, 6);
        Tensor rows = g.getRows(wt, ids);
        float[] got = run(g, rows);
        float[] want = new float[4 * k];
        int[] idv = {6, 0, 3, 6};
        for (int j = 0; j < 4; j++) System.arraycopy(wf[idv[j]], 0, want, j * k, k);
        assertClose(want, got, 1e-6, t + " GET_ROWS");
    }

    /**
     * The GEMV paths agree with the tiled GEMM: Q4_0/Q8_0 through the vector kernel and the generic
     * one (quanta.opencl.vectorGemv=false), and more activation rows than one GEMV launch takes
     * (quanta.opencl.gemvMaxRows=9 splits 9 rows into launches of 4, 4, 1); 13 weight rows leave a
     * partial group of MV_ROWS.
     */
    @ParameterizedTest
    @EnumSource(value = W.class, names = {"Q4_0", "Q8_0", "Q4_K", "F16"})
    void gemvPathsAgreeWithTheTiledGemm(W w) {
        GgmlType t = GgmlType.valueOf(w.name());
        int k = t.blockSize == 256 ? 512 : 160, n = 13, m = 9;
        Tensor wt = storage("w", t, RefDecode.random(t, n, k, rnd), k, n);
        float[] x = gauss(k * m);
        float[] gemm = mulMatOn(stream, wt, x, k, m);
        for (String[] props : new String[][] {{"9", "true"}, {"9", "false"}}) {
            System.setProperty("quanta.opencl.gemvMaxRows", props[0]);
            System.setProperty("quanta.opencl.vectorGemv", props[1]);
            try (Stream s = dev.openStream()) {
                assertClose(gemm, mulMatOn(s, wt, x, k, m), 1e-4, t + " GEMV (vectorGemv=" + props[1] + ") vs GEMM");
            } finally {
                System.clearProperty("quanta.opencl.gemvMaxRows");
                System.clearProperty("quanta.opencl.vectorGemv");
            }
        }
    }

    private static float[] mulMatOn(Stream s, Tensor wt, float[] x, int k, int m) {
        Graph g = new Graph();
        Tensor y = g.mulMat(wt, g.input("x", GgmlType.F32, k, m).setFloats(x)).markOutput();
        s.compute(g);
        float[] r = new float[(int) y.nelements()];
        s.readFloats(y, r);
        return r;
    }

    @Test
    void getRowsRejectsBadIdsWithTheTensorNamed() {
        Tensor wt = storageF32("tok_embd", gauss(8 * 3), 8, 3);
        Graph g = new Graph();
        Tensor ids = g.input("ids", GgmlType.I32, 2).setInts(1, 3);
        g.getRows(wt, ids).markOutput();
        Exception e = assertThrows(RuntimeException.class, () -> stream.compute(g));
        assertTrue(e.getMessage().contains("tok_embd") && e.getMessage().contains("index 3"), e.getMessage());
    }

    @Test
    void elementwise() {
        int n = 70, m = 3;
        float[] a = gauss(n * m), b = gauss(n * m), b1 = gauss(n);
        Graph g = new Graph();
        Tensor ta = g.input("a", GgmlType.F32, n, m).setFloats(a);
        Tensor tb = g.input("b", GgmlType.F32, n, m).setFloats(b);
        Tensor tb1 = g.input("b1", GgmlType.F32, n).setFloats(b1);
        Tensor[] outs = {g.add(ta, tb), g.mul(ta, tb1), g.scale(ta, 0.5f), g.silu(ta), g.gelu(ta), g.softcap(ta, 1.5f),
                g.swiglu(ta, tb), g.geglu(ta, tb)};
        for (Tensor o : outs) o.markOutput();
        stream.compute(g);
        float[][] want = new float[outs.length][n * m];
        for (int i = 0; i < n * m; i++) {
            float x = a[i], y = b[i];
            want[0][i] = x + y;
            want[1][i] = x * b1[i % n];
            want[2][i] = x * 0.5f;
            want[3][i] = silu(x);
            want[4][i] = gelu(x);
            want[5][i] = (float) (1.5 * Math.tanh(x / 1.5));
            want[6][i] = silu(x) * y;
            want[7][i] = gelu(x) * y;
        }
        for (int o = 0; o < outs.length; o++) {
            float[] got = new float[n * m];
            stream.readFloats(outs[o], got);
            assertClose(want[o], got, 1e-5, outs[o].op().toString());
        }
    }

    static float silu(float x) {
        return (float) (x / (1 + Math.exp(-x)));
    }

    static float gelu(float x) {
        return (float) (0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * x * (1 + 0.044715 * x * x))));
    }

    @Test
    void norms() {
        int n = 100, m = 3;
        float[] x = gauss(n * m), w = gauss(n), bias = gauss(n);
        Graph g = new Graph();
        Tensor tx = g.input("x", GgmlType.F32, n, m).setFloats(x);
        Tensor tw = storageF32("w", w, n), tb = storageF32("b", bias, n);
        Tensor rms = g.rmsNorm(tx, tw, 1e-5f).markOutput();
        Tensor rmsPlain = g.rmsNorm(tx, null, 1e-5f).markOutput();
        Tensor ln = g.norm(tx, tw, tb, 1e-5f).markOutput();
        stream.compute(g);
        float[] wr = new float[n * m], wp = new float[n * m], wl = new float[n * m];
        for (int r = 0; r < m; r++) {
            double ss = 0, mean = 0;
            for (int i = 0; i < n; i++) { ss += x[r * n + i] * x[r * n + i]; mean += x[r * n + i]; }
            mean /= n;
            double var = 0;
            for (int i = 0; i < n; i++) var += (x[r * n + i] - mean) * (x[r * n + i] - mean);
            double sc = 1 / Math.sqrt(ss / n + 1e-5), lsc = 1 / Math.sqrt(var / n + 1e-5);
            for (int i = 0; i < n; i++) {
                wr[r * n + i] = (float) (x[r * n + i] * sc * w[i]);
                wp[r * n + i] = (float) (x[r * n + i] * sc);
                wl[r * n + i] = (float) ((x[r * n + i] - mean) * lsc * w[i] + bias[i]);
            }
        }
        float[] got = new float[n * m];
        stream.readFloats(rms, got);
        assertClose(wr, got, 1e-5, "RMS_NORM");
        stream.readFloats(rmsPlain, got);
        assertClose(wp, got, 1e-5, "RMS_NORM without weight");
        stream.readFloats(ln, got);
        assertClose(wl, got, 1e-5, "NORM");
    }

    @ParameterizedTest
    @EnumSource(OpParams.RopeMode.class)
    void rope(OpParams.RopeMode mode) {
        int hd = 16, nh = 3, nt = 4, nRot = 12;
        float[] x = gauss(hd * nh * nt), ff = {1f, 2f, 1.5f, 4f, 1f, 8f};
        int[] pos = {0, 5, 17, 1000};
        for (boolean yarn : new boolean[] {false, true}) {
            OpParams.Rope p = yarn ? new OpParams.Rope(mode, nRot, 4096, 10000f, 0.25f, 1f, 1f, 32f, 1f)
                    : OpParams.Rope.plain(mode, nRot, 10000f);
            Graph g = new Graph();
            Tensor tx = g.input("x", GgmlType.F32, hd, nh, nt).setFloats(x);
            Tensor tp = g.input("pos", GgmlType.I32, nt).setInts(pos);
            Tensor tf = yarn ? g.input("ff", GgmlType.F32, nRot / 2).setFloats(ff) : null;
            float[] got = run(g, g.rope(tx, tp, tf, p));
            float[] corr = OpenClStream.corrDims(p);
            float[] want = x.clone();
            for (int t = 0; t < nt; t++)
                for (int h = 0; h < nh; h++)
                    for (int i = 0; i < nRot / 2; i++) {
                        double theta = pos[t] * Math.pow(10000, -2.0 * i / nRot) / (yarn ? ff[i] : 1);
                        double ti = p.freqScale() * theta, mscale = p.attnFactor();
                        if (p.extFactor() != 0) {
                            double y = (i - corr[0]) / Math.max(0.001, corr[1] - corr[0]);
                            double ramp = (1 - Math.min(1, Math.max(0, y))) * p.extFactor();
                            ti = ti * (1 - ramp) + theta * ramp;
                            mscale *= 1 + 0.1 * Math.log(1 / p.freqScale());
                        }
                        int base = (t * nh + h) * hd;
                        int i0 = mode == OpParams.RopeMode.NEOX ? i : 2 * i, i1 = mode == OpParams.RopeMode.NEOX ? i + nRot / 2 : 2 * i + 1;
                        double c = Math.cos(ti) * mscale, s = Math.sin(ti) * mscale;
                        want[base + i0] = (float) (x[base + i0] * c - x[base + i1] * s);
                        want[base + i1] = (float) (x[base + i0] * s + x[base + i1] * c);
                    }
            assertClose(want, got, 2e-4, "ROPE " + mode + (yarn ? " yarn" : ""));
        }
    }

    @Test
    void softMaxWithMask() {
        int n = 20, m = 3;
        float[] a = gauss(n * m), mask = new float[n * m];
        for (int i = 0; i < n; i++) mask[i] = i > 7 ? Float.NEGATIVE_INFINITY : 0;
        for (int i = 0; i < n; i++) mask[n + i] = Float.NEGATIVE_INFINITY; // a fully masked row gives zeros
        for (int i = 0; i < n; i++) mask[2 * n + i] = -0.5f * i;
        Graph g = new Graph();
        Tensor ta = g.input("a", GgmlType.F32, n, m).setFloats(a);
        Tensor tm = g.input("mask", GgmlType.F32, n, m).setFloats(mask);
        float[] got = run(g, g.softMax(ta, tm, 0.7f));
        float[] want = new float[n * m];
        for (int r = 0; r < m; r++) {
            double mx = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < n; i++) mx = Math.max(mx, a[r * n + i] * 0.7 + mask[r * n + i]);
            for (int i = 0; i < n; i++) sum += mx == Double.NEGATIVE_INFINITY ? 0 : Math.exp(a[r * n + i] * 0.7 + mask[r * n + i] - mx);
            for (int i = 0; i < n; i++)
                want[r * n + i] = sum == 0 ? 0 : (float) (Math.exp(a[r * n + i] * 0.7 + mask[r * n + i] - mx) / sum);
        }
        assertClose(want, got, 1e-5, "SOFT_MAX");
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "Q8_0"})
    void attentionReadsTheCacheWrittenBySetRows(GgmlType kvType) {
        int hd = 32, nHead = 4, nKvHead = 2, nTok = 3, cells = 200, nKv = 150; // 150 > one 128-cell chunk
        float softcap = kvType == GgmlType.F16 ? 20f : 0f;
        long rowLen = (long) hd * nKvHead;
        DeviceBuffer kb = dev.allocate(kvType.rowBytes(rowLen) * cells, "k_cache");
        DeviceBuffer vb = dev.allocate(kvType.rowBytes(rowLen) * cells, "v_cache");
        Tensor kc = Tensor.storage("k_cache", kvType, kb, 0, rowLen, cells);
        Tensor vc = Tensor.storage("v_cache", kvType, vb, 0, rowLen, cells);
        float[] kf = gauss((int) rowLen * nKv), vf = gauss((int) rowLen * nKv), q = gauss(hd * nHead * nTok);
        int[] idx = new int[nKv];
        for (int i = 0; i < nKv; i++) idx[i] = i;
        float[] mask = new float[nKv * nTok];
        for (int t = 0; t < nTok; t++)
            for (int j = 0; j < nKv; j++) mask[t * nKv + j] = j <= nKv - nTok + t ? 0 : Float.NEGATIVE_INFINITY;
        Graph g = new Graph();
        Tensor tk = g.input("k", GgmlType.F32, rowLen, nKv).setFloats(kf);
        Tensor tv = g.input("v", GgmlType.F32, rowLen, nKv).setFloats(vf);
        Tensor ti = g.input("idx", GgmlType.I32, nKv).setInts(idx);
        Tensor kw = g.setRows(kc, tk, ti), vw = g.setRows(vc, tv, ti);
        Tensor kView = g.rows(kw, 0, nKv), vView = g.rows(vw, 0, nKv);
        Tensor tq = g.input("q", GgmlType.F32, hd, nHead, nTok).setFloats(q);
        Tensor tm = g.input("mask", GgmlType.F32, nKv, nTok).setFloats(mask);
        float scale = (float) (1 / Math.sqrt(hd));
        float[] got = run(g, g.attention(tq, kView, vView, tm, new OpParams.Attention(nHead, nKvHead, hd, hd, scale, softcap)));
        // the cache holds the converted rows: read them back and compare with the codec's round trip
        float[] kq = roundTrip(kvType, kf, (int) rowLen), vq = roundTrip(kvType, vf, (int) rowLen);
        byte[] kBytes = new byte[(int) kc.contiguousBytes()];
        stream.read(kc, MemorySegment.ofArray(kBytes));
        float[] kBack = new float[(int) rowLen];
        QuantCodecs.of(kvType).dequantizeRow(MemorySegment.ofArray(kBytes), kvType.rowBytes(rowLen) * 5, kBack, 0, (int) rowLen);
        float[] kWant = new float[(int) rowLen];
        System.arraycopy(kq, 5 * (int) rowLen, kWant, 0, (int) rowLen);
        assertClose(kWant, kBack, kvType == GgmlType.Q8_0 ? 1e-2 : 0, kvType + " SET_ROWS");
        float[] want = new float[hd * nHead * nTok];
        for (int t = 0; t < nTok; t++)
            for (int h = 0; h < nHead; h++) {
                int kvh = h / (nHead / nKvHead);
                double[] s = new double[nKv];
                double mx = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < nKv; j++) {
                    double dot = 0;
                    for (int d = 0; d < hd; d++) dot += q[(t * nHead + h) * hd + d] * kq[j * (int) rowLen + kvh * hd + d];
                    dot *= scale;
                    if (softcap != 0) dot = softcap * Math.tanh(dot / softcap);
                    s[j] = dot + mask[t * nKv + j];
                    mx = Math.max(mx, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < nKv; j++) sum += s[j] = Math.exp(s[j] - mx);
                for (int d = 0; d < hd; d++) {
                    double o = 0;
                    for (int j = 0; j < nKv; j++) o += s[j] * vq[j * (int) rowLen + kvh * hd + d];
                    want[(t * nHead + h) * hd + d] = (float) (o / sum);
                }
            }
        assertClose(want, got, 1e-4, kvType + " ATTENTION");
    }

    /** What a row of floats becomes after storing as {@code t} (quantize with the reference, decode). */
    static float[] roundTrip(GgmlType t, float[] x, int rowLen) {
        MemorySegment m = MemorySegment.ofArray(new byte[(int) t.rowBytes(x.length)]);
        float[] y = new float[x.length];
        for (int r = 0; r < x.length / rowLen; r++) {
            long off = t.rowBytes((long) r * rowLen);
            QuantCodecs.of(t).quantizeRowRef(x, r * rowLen, m, off, rowLen);
            QuantCodecs.of(t).dequantizeRow(m, off, y, r * rowLen, rowLen);
        }
        return y;
    }

    /** Block types quants.h quantizes: CPY and SET_ROWS give the reference codec's bytes exactly. */
    enum Q { Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q8_K }

    @ParameterizedTest
    @EnumSource(Q.class)
    void quantizersMatchTheReferenceBytes(Q q) {
        GgmlType t = GgmlType.valueOf(q.name());
        int n = 2 * Math.max(t.blockSize, 64), m = 3;
        float[] a = gauss(n * m);
        for (int i = 0; i < n; i++) a[i] = 0f;                 // an all-zero row: d = 0
        a[n + 5] = 9f;                                          // an outlier sets a block's scale
        a[2 * n + 7] = -9f;                                     // ... negative for the signed-max types
        byte[] want = new byte[(int) t.rowBytes((long) n * m)];
        QuantCodecs.of(t).quantizeRowRef(a, 0, MemorySegment.ofArray(want), 0, n * m);
        Graph g = new Graph();
        Tensor c = g.cpy(g.input("a", GgmlType.F32, n, m).setFloats(a), t).markOutput();
        stream.compute(g);
        byte[] got = new byte[want.length];
        stream.read(c, MemorySegment.ofArray(got));
        assertArrayEquals(want, got, "CPY F32 -> " + t + " bytes as ggml's quantize_row_ref");

        byte[] init = new byte[(int) t.rowBytes((long) n * 4)];
        java.util.Arrays.fill(init, (byte) 0x5a);
        Tensor dst = storage("dst", t, MemorySegment.ofArray(init), n, 4);
        Graph g2 = new Graph();
        g2.setRows(dst, g2.input("src", GgmlType.F32, n, m).setFloats(a), g2.input("idx", GgmlType.I32, m).setInts(3, 0, 2));
        stream.compute(g2);
        stream.synchronize();
        byte[] rows = new byte[init.length];
        dst.buffer().read(0, MemorySegment.ofArray(rows));
        int rb = (int) t.rowBytes(n);
        int[] at = {3, 0, 2};
        for (int j = 0; j < m; j++)
            assertArrayEquals(java.util.Arrays.copyOfRange(want, j * rb, (j + 1) * rb),
                    java.util.Arrays.copyOfRange(rows, at[j] * rb, (at[j] + 1) * rb), "SET_ROWS " + t + " row " + j);
        assertArrayEquals(java.util.Arrays.copyOfRange(init, rb, 2 * rb), java.util.Arrays.copyOfRange(rows, rb, 2 * rb),
                "SET_ROWS " + t + " leaves row 1 alone");
    }

    @Test
    void kQuantDestinationsAreNotClaimed() {
        Graph g = new Graph();
        Tensor a = g.input("a", GgmlType.F32, 256, 1);
        for (GgmlType t : new GgmlType[] {GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K})
            assertTrue(!dev.supports(g.cpy(a, t)), "CPY F32 -> " + t + " has no kernel and must be a reported skip");
    }

    @Test
    void cpyConvertsAndCopiesStridedViews() {
        int n = 64, m = 3;
        float[] a = gauss(n * m);
        Graph g = new Graph();
        Tensor ta = g.input("a", GgmlType.F32, n, m).setFloats(a);
        Tensor h = g.cpy(ta, GgmlType.F16), q = g.cpy(ta, GgmlType.Q8_0), bf = g.cpy(ta, GgmlType.BF16);
        Tensor back = g.cpy(q, GgmlType.F32).markOutput();
        Tensor hBack = g.cpy(h, GgmlType.F32).markOutput();
        Tensor bfBack = g.cpy(bf, GgmlType.F32).markOutput();
        Tensor cols = g.cols(ta, 8, 40); // strided view: rows of 40 at stride 64
        Tensor colsCopy = g.cpy(cols, GgmlType.F32).markOutput();
        Tensor colsSilu = g.silu(cols).markOutput(); // ops read strided rows in place
        q.markOutput();
        stream.compute(g);
        float[] got = new float[n * m];
        stream.readFloats(back, got);
        assertClose(roundTrip(GgmlType.Q8_0, a, n), got, 0, "CPY F32->Q8_0->F32");
        byte[] qb = new byte[(int) q.contiguousBytes()], qWant = new byte[qb.length];
        stream.read(q, MemorySegment.ofArray(qb));
        QuantCodecs.of(GgmlType.Q8_0).quantizeRowRef(a, 0, MemorySegment.ofArray(qWant), 0, n * m);
        assertArrayEquals(qWant, qb, "Q8_0 bytes as ggml's quantize_row_q8_0_ref");
        stream.readFloats(hBack, got);
        assertClose(roundTrip(GgmlType.F16, a, n), got, 0, "CPY F32->F16->F32");
        stream.readFloats(bfBack, got);
        assertClose(roundTrip(GgmlType.BF16, a, n), got, 0, "CPY F32->BF16->F32");
        float[] c = new float[40 * m], cs = new float[40 * m], wantC = new float[40 * m], wantS = new float[40 * m];
        for (int r = 0; r < m; r++)
            for (int i = 0; i < 40; i++) { wantC[r * 40 + i] = a[r * n + 8 + i]; wantS[r * 40 + i] = silu(a[r * n + 8 + i]); }
        stream.readFloats(colsCopy, c);
        assertClose(wantC, c, 0, "CPY of a strided view");
        stream.readFloats(colsSilu, cs);
        assertClose(wantS, cs, 1e-6, "SILU of a strided view");
        // reading the strided view itself comes back as contiguous rows
        Graph g2 = new Graph();
        Tensor t2 = g2.input("a", GgmlType.F32, n, m).setFloats(a);
        Tensor s2 = g2.scale(t2, 1f);
        Tensor v2 = g2.cols(s2, 8, 40).markOutput();
        stream.compute(g2);
        stream.readFloats(v2, c);
        assertClose(wantC, c, 0, "read of a strided output view");
    }

    @Test
    void argmaxLowestIndexWinsTies() {
        int n = 300;
        float[] a = gauss(n * 2);
        a[17] = 50;
        a[250] = 50;
        a[n + 299] = 9;
        Graph g = new Graph();
        Tensor ta = g.input("a", GgmlType.F32, n, 2).setFloats(a);
        Tensor am = g.argmax(ta).markOutput();
        stream.compute(g);
        int[] got = new int[2];
        stream.readInts(am, got);
        assertArrayEquals(new int[] {17, 299}, got);
    }

    @Test
    void nodesOnlyComeBackWhenMarked() {
        Graph g = new Graph();
        Tensor a = g.input("a", GgmlType.F32, 4).setFloats(1, 2, 3, 4);
        Tensor s = g.scale(a, 2f);
        Tensor out = g.scale(s, 3f).markOutput();
        stream.compute(g);
        float[] got = new float[4];
        stream.readFloats(out, got);
        assertArrayEquals(new float[] {6, 12, 18, 24}, got);
        assertThrows(IllegalStateException.class, () -> stream.readFloats(s, got));
    }

    @Test
    void weightsLargerThanOneAllocationAreSplit() {
        System.setProperty("quanta.opencl.maxAlloc", "4096");
        try (OpenClDevice small = new OpenClDevice(dev.info())) {
            assertEquals(4096, small.maxAllocation());
            int k = 96, n = 40; // 15360 bytes of F32 weights -> 4 chunks; rows cross chunk boundaries
            float[] w = gauss(k * n), x = gauss(k);
            DeviceBuffer b = small.wrapHost(java.lang.foreign.Arena.ofAuto().allocateFrom(ValueLayout.JAVA_FLOAT, w), "w");
            assertEquals(4, ((OpenClBuffer) b).chunkCount());
            Tensor wt = Tensor.storage("w", GgmlType.F32, b, 0, k, n);
            try (Stream s = small.openStream()) {
                Graph g = new Graph();
                Tensor xi = g.input("x", GgmlType.F32, k).setFloats(x);
                Tensor y = g.mulMat(g.rows(wt, 9, 4), xi).markOutput(); // rows 9..12 cross the first chunk boundary
                Tensor r = g.getRows(wt, g.input("ids", GgmlType.I32, 2).setInts(10, 39)).markOutput();
                s.compute(g);
                float[] got = new float[4], want = new float[4];
                s.readFloats(y, got);
                for (int i = 0; i < 4; i++) {
                    double acc = 0;
                    for (int e = 0; e < k; e++) acc += (double) w[(9 + i) * k + e] * x[e];
                    want[i] = (float) acc;
                }
                assertClose(want, got, 1e-4, "MUL_MAT on split weights");
                float[] rows = new float[2 * k], wantRows = new float[2 * k];
                s.readFloats(r, rows);
                System.arraycopy(w, 10 * k, wantRows, 0, k);
                System.arraycopy(w, 39 * k, wantRows, k, k);
                assertClose(wantRows, rows, 0, "GET_ROWS on split weights");
                float[] back = new float[k * n];
                b.read(0, MemorySegment.ofArray(back));
                assertArrayEquals(w, back);
                for (int m : new int[] {1, 9}) { // the whole table, over 4 chunks: GEMV and GEMM run per piece
                    float[] xs = gauss(k * m);
                    Graph wide = new Graph();
                    Tensor yw = wide.mulMat(wt, wide.input("x", GgmlType.F32, k, m).setFloats(xs)).markOutput();
                    s.compute(wide);
                    float[] gw = new float[n * m], ww = new float[n * m];
                    s.readFloats(yw, gw);
                    for (int j = 0; j < m; j++)
                        for (int i = 0; i < n; i++) {
                            double acc = 0;
                            for (int e = 0; e < k; e++) acc += (double) w[i * k + e] * xs[j * k + e];
                            ww[j * n + i] = (float) acc;
                        }
                    assertClose(ww, gw, 1e-4, "MUL_MAT over split weights m=" + m);
                }
                Graph big = new Graph();
                Tensor huge = big.input("huge", GgmlType.F32, 2048);
                big.scale(huge, 2f).markOutput();
                Exception e = assertThrows(RuntimeException.class, () -> s.compute(big));
                assertTrue(e.getMessage().contains("largest allocation"), e.getMessage());
            }
        } finally {
            System.clearProperty("quanta.opencl.maxAlloc");
        }
    }
}
