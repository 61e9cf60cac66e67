package dev.quanta.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.OpParams.RopeMode;
import dev.quanta.kernels.quant.QuantCodecs;
import dev.quanta.kernels.testing.TestData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** ReferenceOps against values computed by hand (or by a naive formula written differently). */
class ReferenceOpsTest {

    static Rows f32Rows(int rowLength, float... v) {
        MemorySegment seg = Arena.ofAuto().allocate(v.length * 4L);
        MemorySegment.copy(v, 0, seg, java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 0, v.length);
        return Rows.contiguous(GgmlType.F32, seg, rowLength, v.length / rowLength);
    }

    static Rows quantized(GgmlType type, int rowLength, float[] v) {
        int rows = v.length / rowLength;
        MemorySegment seg = Arena.ofAuto().allocate(type.rowBytes(rowLength) * rows);
        Rows r = Rows.contiguous(type, seg, rowLength, rows);
        for (int i = 0; i < rows; i++) r.write(i, v, i * rowLength);
        return r;
    }

    @Test
    void tinyMatMul() {
        Rows w = f32Rows(3, 1, 2, 3, 4, 5, 6);               // W[k=3, n=2]
        float[] x = {1, 0, -1, 2, 1, 0};                     // x[k=3, m=2]
        float[] y = new float[4];
        ReferenceOps.mulMat(w, x, 2, y);
        assertArrayEquals(new float[] {-2, -2, 4, 13}, y);   // y[j][i] = W row i . x row j
    }

    @Test
    void q8MatMulIsExactForIntegerWeightsWithAmax127() {
        float[] wv = new float[64];
        for (int j = 0; j < 32; j++) {
            wv[j] = j == 0 ? 127 : j - 16;      // row 0: amax 127 -> d = 1, q = values
            wv[32 + j] = j == 5 ? -127 : 1;     // row 1
        }
        Rows w = quantized(GgmlType.Q8_0, 32, wv);
        assertArrayEquals(java.util.Arrays.copyOfRange(wv, 0, 32), w.row(0));
        float[] x = new float[32];
        java.util.Arrays.fill(x, 1f);
        float[] y = new float[2];
        ReferenceOps.mulMat(w, x, 1, y);
        float s0 = 0, s1 = 0;
        for (int j = 0; j < 32; j++) { s0 += wv[j]; s1 += wv[32 + j]; }
        assertArrayEquals(new float[] {s0, s1}, y);
    }

    @Test
    void getRowsDecodesAndChecksIds() {
        Rows table = f32Rows(2, 0, 1, 10, 11, 20, 21);
        float[] out = new float[6];
        ReferenceOps.getRows(table, new int[] {2, 0, 2}, out);
        assertArrayEquals(new float[] {20, 21, 0, 1, 20, 21}, out);
        var e = assertThrows(IllegalArgumentException.class, () -> ReferenceOps.getRows(table, new int[] {3}, new float[2]));
        assertEquals("GET_ROWS: id 3 at position 0 is outside [0, 3)", e.getMessage());
    }

    @Test
    void addMulBroadcastARow() {
        float[] a = {1, 2, 3, 4}, out = new float[4];
        ReferenceOps.add(a, new float[] {10, 20}, 2, out);
        assertArrayEquals(new float[] {11, 22, 13, 24}, out);
        ReferenceOps.mul(a, new float[] {1, 2, 3, 4}, 2, out);
        assertArrayEquals(new float[] {1, 4, 9, 16}, out);
        ReferenceOps.scale(a, -0.5f, out);
        assertArrayEquals(new float[] {-0.5f, -1, -1.5f, -2}, out);
    }

    @Test
    void norms() {
        float[] out = new float[2];
        ReferenceOps.rmsNorm(new float[] {3, 4}, 2, null, 0f, out);     // rms = sqrt(12.5)
        assertArrayEquals(new float[] {0.84852814f, 1.1313709f}, out, 1e-6f);
        ReferenceOps.rmsNorm(new float[] {3, 4}, 2, new float[] {2, -1}, 0f, out);
        assertArrayEquals(new float[] {1.6970563f, -1.1313709f}, out, 1e-6f);
        float[] o3 = new float[3];
        ReferenceOps.norm(new float[] {1, 2, 3}, 3, null, null, 0f, o3);  // var 2/3
        assertArrayEquals(new float[] {-1.2247449f, 0, 1.2247449f}, o3, 1e-6f);
        ReferenceOps.norm(new float[] {1, 2, 3}, 3, new float[] {2, 2, 2}, new float[] {1, 1, 1}, 0f, o3);
        assertArrayEquals(new float[] {-1.4494898f, 1, 3.4494898f}, o3, 1e-6f);
    }

    @Test
    void activations() {
        assertEquals(0.7310586f, ReferenceOps.silu(1f), 1e-7f);
        assertEquals(-0.26894143f, ReferenceOps.silu(-1f), 1e-7f);
        assertEquals(0.8411920f, ReferenceOps.gelu(1f), 1e-6f);      // tanh approximation (exact erf GELU is 0.8413447)
        assertEquals(-0.1588080f, ReferenceOps.gelu(-1f), 1e-6f);
        assertEquals(0f, ReferenceOps.gelu(-20f), 0f);
        assertEquals(30f * (float) Math.tanh(2.0), ReferenceOps.softcap(60f, 30f), 1e-5f);
        float[] out = new float[2];
        ReferenceOps.swiglu(new float[] {1, -1}, new float[] {2, 3}, out);
        assertArrayEquals(new float[] {1.4621172f, -0.8068243f}, out, 1e-6f);
        ReferenceOps.geglu(new float[] {1, -1}, new float[] {2, 3}, out);
        assertArrayEquals(new float[] {1.682384f, -0.476424f}, out, 1e-6f);
    }

    @Test
    void softMaxWithScaleAndMask() {
        float[] out = new float[3];
        ReferenceOps.softMax(new float[] {1, 2, 3}, 3, null, 1f, out);
        assertArrayEquals(new float[] {0.09003057f, 0.24472847f, 0.66524096f}, out, 1e-7f);
        ReferenceOps.softMax(new float[] {2, 4, 6}, 3, new float[] {0, 0, Float.NEGATIVE_INFINITY}, 0.5f, out);
        assertArrayEquals(new float[] {0.26894142f, 0.73105858f, 0}, out, 1e-7f);
        float inf = Float.NEGATIVE_INFINITY;
        ReferenceOps.softMax(new float[] {1, 2, 3}, 3, new float[] {inf, inf, inf}, 1f, out);
        assertArrayEquals(new float[] {0, 0, 0}, out);
    }

    @Test
    void ropeOfAKnownVector() {
        float[] x = {1, 0, 0, 1, /* pos 1: */ 1, 0, 0, 1};   // headDim 4, 1 head, 2 tokens
        float[] out = new float[8];
        // theta_scale = 10000^(-2/4) = 0.01: pair 0 turns by pos, pair 1 by pos * 0.01
        ReferenceOps.rope(x, 4, 1, new int[] {0, 1}, null, OpParams.Rope.plain(RopeMode.NORM, 4, 10000f), out);
        float c1 = (float) Math.cos(1), s1 = (float) Math.sin(1), c2 = (float) Math.cos(0.01), s2 = (float) Math.sin(0.01);
        assertArrayEquals(new float[] {1, 0, 0, 1, c1, s1, -s2, c2}, out, 1e-6f);
        // NEOX pairs (0, 2) and (1, 3)
        ReferenceOps.rope(x, 4, 1, new int[] {0, 1}, null, OpParams.Rope.plain(RopeMode.NEOX, 4, 10000f), out);
        assertArrayEquals(new float[] {1, 0, 0, 1, c1, -s2, s1, c2}, out, 1e-6f);
        // nRot 2 of 4: dims 2, 3 pass through; freq factor 2 halves the angle
        ReferenceOps.rope(new float[] {1, 0, 5, 6}, 4, 1, new int[] {3}, new float[] {2f},
                OpParams.Rope.plain(RopeMode.NORM, 2, 10000f), out);
        assertArrayEquals(new float[] {(float) Math.cos(1.5), (float) Math.sin(1.5), 5, 6}, java.util.Arrays.copyOf(out, 4), 1e-6f);
        // attnFactor scales cos and sin (mscale)
        ReferenceOps.rope(new float[] {1, 0}, 2, 1, new int[] {2}, null,
                new OpParams.Rope(RopeMode.NORM, 2, 0, 10000f, 1f, 0f, 2f, 32f, 1f), out);
        assertArrayEquals(new float[] {2 * (float) Math.cos(2), 2 * (float) Math.sin(2)}, java.util.Arrays.copyOf(out, 2), 1e-6f);
    }

    @Test
    void ropeYarnMatchesTheFormulaInDouble() {
        int nRot = 8, nCtxOrig = 64, pos = 37;
        float base = 10000f, freqScale = 0.25f, ext = 1f, attn = 1f, betaFast = 32f, betaSlow = 1f;
        float[] x = {1, 0, 1, 0, 1, 0, 1, 0}, out = new float[8];
        ReferenceOps.rope(x, 8, 1, new int[] {pos}, null,
                new OpParams.Rope(RopeMode.NORM, nRot, nCtxOrig, base, freqScale, ext, attn, betaFast, betaSlow), out);
        // YaRN (Peng et al.): dims below `low` extrapolate, above `high` interpolate, linear ramp between
        double low = Math.max(0, Math.floor(nRot * Math.log(nCtxOrig / (betaFast * 2 * Math.PI)) / (2 * Math.log(base))));
        double high = Math.min(nRot - 1, Math.ceil(nRot * Math.log(nCtxOrig / (betaSlow * 2 * Math.PI)) / (2 * Math.log(base))));
        double mscale = 1 + 0.1 * Math.log(1 / freqScale);
        for (int i = 0; i < nRot / 2; i++) {
            double extrap = pos * Math.pow(base, -2.0 * i / nRot);
            double ramp = 1 - Math.min(1, Math.max(0, (i - low) / Math.max(0.001, high - low)));
            double theta = freqScale * extrap * (1 - ramp * ext) + extrap * ramp * ext;
            assertEquals(Math.cos(theta) * mscale, out[2 * i], 1e-4, "cos of pair " + i);
            assertEquals(Math.sin(theta) * mscale, out[2 * i + 1], 1e-4, "sin of pair " + i);
        }
    }

    /** softmax(Q K^T * scale + mask) V, written the textbook way with explicit matrices. */
    static float[] naiveAttention(float[] q, float[] k, float[] v, float[] mask, int nTok, int nKv, OpParams.Attention p) {
        int dk = p.headDim(), dv = p.headDimV();
        float[] out = new float[nTok * p.nHead() * dv];
        for (int h = 0; h < p.nHead(); h++) {
            int kvh = h * p.nKvHead() / p.nHead();
            double[][] s = new double[nTok][nKv];
            for (int t = 0; t < nTok; t++)
                for (int j = 0; j < nKv; j++) {
                    double d = 0;
                    for (int i = 0; i < dk; i++) d += q[(t * p.nHead() + h) * dk + i] * k[j * dk * p.nKvHead() + kvh * dk + i];
                    d *= p.scale();
                    if (p.softcap() != 0) d = p.softcap() * Math.tanh(d / p.softcap());
                    s[t][j] = d + mask[t * nKv + j];
                }
            for (int t = 0; t < nTok; t++) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (double e : s[t]) max = Math.max(max, e);
                for (int j = 0; j < nKv; j++) sum += Math.exp(s[t][j] - max);
                for (int d = 0; d < dv; d++) {
                    double acc = 0;
                    for (int j = 0; j < nKv; j++) acc += Math.exp(s[t][j] - max) / sum * v[j * dv * p.nKvHead() + kvh * dv + d];
                    out[(t * p.nHead() + h) * dv + d] = (float) acc;
                }
            }
        }
        return out;
    }

    @Test
    void attentionEqualsTheNaiveComposition() {
        Random rnd = new Random(TestData.seed("attentionEqualsTheNaiveComposition", 7));
        int nTok = 3, nKv = 5;
        for (float softcap : new float[] {0f, 1.5f}) {
            var p = new OpParams.Attention(4, 2, 32, 32, 1 / (float) Math.sqrt(32), softcap);
            float[] q = rand(rnd, nTok * 4 * 32), k = rand(rnd, nKv * 64), v = rand(rnd, nKv * 64);
            float[] mask = new float[nTok * nKv];
            for (int t = 0; t < nTok; t++)
                for (int j = 0; j < nKv; j++) mask[t * nKv + j] = j <= 2 + t ? 0 : Float.NEGATIVE_INFINITY; // causal
            float[] out = new float[nTok * 4 * 32];
            ReferenceOps.attention(q, nTok, f32Rows(64, k), f32Rows(64, v), mask, p, out);
            assertArrayEquals(naiveAttention(q, k, v, mask, nTok, nKv, p), out, 1e-5f);
            // the same through an F16 and a Q8_0 cache equals the naive result on the decoded cache
            for (GgmlType t : new GgmlType[] {GgmlType.F16, GgmlType.Q8_0}) {
                Rows kq = quantized(t, 64, k), vq = quantized(t, 64, v);
                ReferenceOps.attention(q, nTok, kq, vq, mask, p, out);
                assertArrayEquals(naiveAttention(q, kq.toFloats(), vq.toFloats(), mask, nTok, nKv, p), out, 1e-5f, t.name());
            }
        }
    }

    @Test
    void gqaHeadMappingAndMaskedRows() {
        // 4 query heads share 2 KV heads; one cell: softmax = 1, so head h outputs V of KV head h / 2
        var p = new OpParams.Attention(4, 2, 2, 2, 1f, 0f);
        float inf = Float.NEGATIVE_INFINITY;
        float[] out = new float[2 * 8];
        ReferenceOps.attention(new float[16], 2, f32Rows(4, 1, 1, 1, 1), f32Rows(4, 10, 20, 30, 40),
                new float[] {0, inf}, p, out);
        assertArrayEquals(new float[] {10, 20, 10, 20, 30, 40, 30, 40, 0, 0, 0, 0, 0, 0, 0, 0}, out);
    }

    @Test
    void setRowsCpyAndArgmax() {
        MemorySegment seg = Arena.ofAuto().allocate(3 * 2 * 2);
        Rows dst = Rows.contiguous(GgmlType.F16, seg, 2, 3);
        ReferenceOps.setRows(dst, new float[] {1.5f, -2, 0.1f, 4}, new int[] {2, 0});
        assertArrayEquals(new float[] {0.1f, 4, 0, 0, 1.5f, -2}, dst.toFloats(), 1e-4f);
        assertThrows(IllegalArgumentException.class, () -> ReferenceOps.setRows(dst, new float[2], new int[] {3}));

        MemorySegment q = Arena.ofAuto().allocate(2 * 34);
        Rows q8 = Rows.contiguous(GgmlType.Q8_0, q, 32, 2);
        float[] src = rand(new Random(1), 64);
        ReferenceOps.cpy(src, q8);
        MemorySegment expect = Arena.ofAuto().allocate(2 * 34);
        QuantCodecs.of(GgmlType.Q8_0).quantizeRowRef(src, 0, expect, 0, 64);
        assertEquals(-1, q.mismatch(expect));

        int[] am = new int[2];
        ReferenceOps.argmax(new float[] {1, 3, 3, 0, -1, -5, -1, -2}, 4, am);
        assertArrayEquals(new int[] {1, 0}, am);
    }

    static float[] rand(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }
}
