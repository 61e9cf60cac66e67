package dev.quanta.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Host-side checks of the CUDA runner that need no GPU: every planned launch names a kernel of the
 * checked-in PTX and packs exactly that kernel's parameters (count, size, alignment, as nvcc laid
 * them out), grid sizes, YaRN corr dims, and the CUDA graph node-parameter struct.
 */
class CudaPlannerTest {
    /** Parameter sizes of every .entry of quanta.ptx, from its .param declarations. */
    private static Map<String, List<int[]>> ptxEntries() throws IOException {
        String ptx;
        try (InputStream in = CudaPlannerTest.class.getResourceAsStream("/kernels/cuda/quanta.ptx")) {
            assertNotNull(in, "kernels/cuda/quanta.ptx on the classpath");
            ptx = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        Map<String, List<int[]>> out = new HashMap<>();
        Matcher e = Pattern.compile("\\.entry (\\w+)\\(([^)]*)\\)").matcher(ptx);
        Pattern param = Pattern.compile("\\.param (?:\\.align (\\d+) )?\\.(\\w+)(?: \\.ptr)?(?: \\.\\w+)?(?: \\.align \\d+)? \\w+(?:\\[(\\d+)])?");
        while (e.find()) {
            List<int[]> ps = new ArrayList<>();
            Matcher p = param.matcher(e.group(2));
            while (p.find()) {
                String ty = p.group(2);
                int size = p.group(3) != null ? Integer.parseInt(p.group(3)) * (ty.endsWith("8") ? 1 : Integer.parseInt(ty.substring(1)) / 8)
                        : Integer.parseInt(ty.substring(1)) / 8;
                int align = p.group(1) != null ? Integer.parseInt(p.group(1)) : size;
                ps.add(new int[] {size, align});
            }
            out.put(e.group(1), ps);
        }
        return out;
    }

    private static void assertMatchesPtx(Map<String, List<int[]>> entries, CudaLaunch l) {
        List<int[]> ps = entries.get(l.kernel());
        assertNotNull(ps, "quanta.ptx has no kernel " + l.kernel());
        assertEquals(ps.size(), l.offsets().length, l + ": argument count vs the kernel signature");
        int off = 0;
        for (int i = 0; i < ps.size(); i++) {
            int size = ps.get(i)[0], align = ps.get(i)[1];
            off = (off + align - 1) / align * align;
            assertEquals(off, l.offsets()[i], l + ": offset of argument " + i);
            int next = i + 1 < ps.size() ? l.offsets()[i + 1] : l.args().length;
            assertTrue(next - off >= size, l + ": argument " + i + " packs fewer than its " + size + " bytes");
            off += size;
        }
        assertEquals(off, l.args().length, l + ": packed bytes");
        assertTrue(l.gx() >= 1 && l.gy() >= 1 && l.bx() % 32 == 0 && l.bx() <= 1024, l.toString());
    }

    private static List<CudaLaunch> plan(Graph g, long scratch) {
        Map<Tensor, Long> addr = new IdentityHashMap<>();
        long a = 1 << 20;
        for (Tensor in : g.inputs()) { addr.put(in, a); a += 1 << 20; }
        for (Tensor n : g.nodes()) if (n.op() != dev.quanta.kernels.graph.Op.VIEW && n.op() != dev.quanta.kernels.graph.Op.SET_ROWS) { addr.put(n, a); a += 1 << 20; }
        CudaPlanner p = new CudaPlanner(addr, t -> { throw new AssertionError(t.name()); }, scratch);
        List<CudaLaunch> out = new ArrayList<>();
        for (Tensor n : g.nodes()) {
            assertTrue(CudaPlanner.supported(n), n.toString());
            p.plan(n, out);
        }
        return out;
    }

    @Test
    void argsPackAtNaturalAlignment() {
        Graph g = new Graph();
        Tensor t = g.input("t", GgmlType.F32, 8, 3, 2);
        CudaLaunch l = new CudaLaunch.Args().i32(7).ptr(0x1234_5678_9abcL).shape(t).f32(1.5f).shape(null).i64(-2).launch("k", 1, 1, 32);
        assertArrayEquals(new int[] {0, 8, 16, 80, 88, 152}, l.offsets());
        ByteBuffer b = ByteBuffer.wrap(l.args()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(7, b.getInt(0));
        assertEquals(0x1234_5678_9abcL, b.getLong(8));
        assertEquals(8, b.getLong(16));
        assertEquals(3, b.getLong(24));
        assertEquals(2, b.getLong(32));
        assertEquals(1, b.getLong(40));
        assertEquals(32, b.getLong(48 + 8));   // nb[1] = 8 floats
        assertEquals(1.5f, b.getFloat(80));
        assertEquals(1, b.getLong(88));
        assertEquals(0, b.getLong(88 + 32));
        assertEquals(-2, b.getLong(152));
        assertEquals(160, l.args().length);
    }

    @Test
    void everyOpPlansLaunchesMatchingTheKernelSignatures() throws IOException {
        Map<String, List<int[]>> entries = ptxEntries();
        assertTrue(entries.size() > 50, "parsed " + entries.size() + " PTX entries");
        for (List<int[]> ps : entries.values()) assertFalse(ps.isEmpty());
        Graph g = new Graph();
        int hd = 64, nHead = 4, nKv = 2, nTok = 3, ctx = 16;
        Tensor x = g.input("x", GgmlType.F32, 256, nTok);
        Tensor ids = g.input("ids", GgmlType.I32, nTok);
        Tensor pos = g.input("pos", GgmlType.I32, nTok);
        Tensor mask = g.input("mask", GgmlType.F32, ctx, nTok);
        Tensor kc = g.input("kc", GgmlType.F16, hd * nKv, ctx);
        Tensor vc = g.input("vc", GgmlType.F16, hd * nKv, ctx);
        Tensor w8 = g.input("w8", GgmlType.F32, 256);
        List<Tensor> ys = new ArrayList<>();
        for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0,
                GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
                GgmlType.IQ4_NL, GgmlType.IQ4_XS}) {
            Tensor w = g.input("w_" + t, t, 256, 40);
            ys.add(g.mulMat(w, x));
            ys.add(g.getRows(w, ids));
        }
        Tensor big = g.input("big", GgmlType.F32, 256, 9);
        ys.add(g.mulMat(g.input("wq", GgmlType.Q4_K, 256, 40), big));
        Tensor h = g.rmsNorm(x, w8, 1e-5f);
        h = g.norm(h, w8, w8, 1e-5f);
        h = g.add(h, w8);
        h = g.mul(h, x);
        h = g.scale(g.silu(g.gelu(g.softcap(h, 30f))), 0.5f);
        h = g.swiglu(h, x);
        h = g.geglu(h, x);
        Tensor q = g.reshape(g.cols(h, 0, hd * nHead), hd, nHead, nTok);
        Tensor r = g.rope(q, pos, null, new OpParams.Rope(OpParams.RopeMode.NEOX, hd, 4096, 10000f, 0.25f, 1f, 1f, 32f, 1f));
        Tensor kNew = g.input("knew", GgmlType.F32, hd * nKv, nTok);
        Tensor kc2 = g.setRows(kc, kNew, ids);
        Tensor a = g.attention(r, kc2, vc, mask, new OpParams.Attention(nHead, nKv, hd, hd, 0.125f, 0f));
        g.softMax(mask, mask, 1f);
        g.cpy(g.cpy(a, GgmlType.F16), GgmlType.F32);
        g.argmax(a);
        List<CudaLaunch> ls = plan(g, 0xabc00000L);
        for (CudaLaunch l : ls) assertMatchesPtx(entries, l);
        // the dp4a path quantizes the activations into the scratch, then reads them from there
        int q4 = 0;
        while (!ls.get(q4).kernel().equals("quantize_q8_1_rows")) q4++;
        assertEquals("mul_mat_q8_q4_0", ls.get(q4 + 1).kernel());
        assertEquals(nTok, ls.get(q4).gy());
        assertEquals(0xabc00000L, ByteBuffer.wrap(ls.get(q4).args()).order(ByteOrder.LITTLE_ENDIAN).getLong(ls.get(q4).offsets()[2]));
        assertEquals(0xabc00000L, ByteBuffer.wrap(ls.get(q4 + 1).args()).order(ByteOrder.LITTLE_ENDIAN).getLong(ls.get(q4 + 1).offsets()[2]));
        for (CudaLaunch l : ls) {
            switch (l.kernel()) {
                case "mul_mat_vec_q4_k" -> { assertEquals(5, l.gx()); assertEquals(nTok, l.gy()); assertEquals(256, l.bx()); }
                case "mul_mat_q4_k" -> { assertEquals(5, l.gx()); assertEquals(2, l.gy()); }
                case "get_rows_q6_k" -> assertEquals(nTok, l.gx());
                case "rope_f32" -> { assertEquals(nHead, l.gx()); assertEquals(nTok, l.gy()); }
                case "attention_f16" -> { assertEquals(nHead, l.gx()); assertEquals(nTok, l.gy()); assertEquals(32, l.bx()); }
                case "set_rows_f32", "argmax_f32", "binary_f32" -> assertEquals(nTok, l.gx());
                default -> { }
            }
        }
    }

    @Test
    void yarnCorrDimsMatchGgml() {
        // ggml_rope_yarn_corr_dims in float: nRot 128, n_ctx_orig 4096, beta 32/1, base 1e4 -> [20, 46]
        assertArrayEquals(new float[] {20f, 46f}, CudaPlanner.yarnCorrDims(new OpParams.Rope(OpParams.RopeMode.NORM, 128, 4096, 10000f, 0.25f, 1f, 1f, 32f, 1f)));
        assertArrayEquals(new float[] {9f, 18f}, CudaPlanner.yarnCorrDims(new OpParams.Rope(OpParams.RopeMode.NEOX, 64, 8192, 500000f, 0.125f, 1f, 1f, 32f, 1f)));
        assertArrayEquals(new float[] {0f, 0f}, CudaPlanner.yarnCorrDims(new OpParams.Rope(OpParams.RopeMode.NEOX, 64, 8192, 500000f, 1f, 0f, 1f, 32f, 1f)));
    }

    @Test
    void graphNodeParamsLayoutIsCudaKernelNodeParamsV2() {
        MemoryLayout l = CudaGraphs.KERNEL_NODE_PARAMS;
        assertEquals(72, l.byteSize());
        assertEquals(40, l.byteOffset(MemoryLayout.PathElement.groupElement("kernelParams")));
        assertEquals(32, l.byteOffset(MemoryLayout.PathElement.groupElement("sharedMemBytes")));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(l);
            MemorySegment params = a.allocate(8);
            CudaLaunch launch = new CudaLaunch.Args().i32(1).launch("k", 7, 3, 256);
            CudaGraphs.fill(s, MemorySegment.ofAddress(0x42), launch, params);
            assertEquals(0x42, s.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0));
            assertEquals(7, s.get(java.lang.foreign.ValueLayout.JAVA_INT, l.byteOffset(MemoryLayout.PathElement.groupElement("gridDimX"))));
            assertEquals(3, s.get(java.lang.foreign.ValueLayout.JAVA_INT, l.byteOffset(MemoryLayout.PathElement.groupElement("gridDimY"))));
            assertEquals(256, s.get(java.lang.foreign.ValueLayout.JAVA_INT, l.byteOffset(MemoryLayout.PathElement.groupElement("blockDimX"))));
            assertEquals(params.address(), s.get(java.lang.foreign.ValueLayout.JAVA_LONG, 40));
            assertEquals(0, s.get(java.lang.foreign.ValueLayout.JAVA_LONG, 64));
        }
    }

    @Test
    void graphKeyIgnoresArgumentValuesButNotKernelsOrGrids() {
        CudaLaunch a = new CudaLaunch.Args().ptr(1).i32(5).launch("k", 4, 1, 256);
        CudaLaunch b = new CudaLaunch.Args().ptr(2).i32(6).launch("k", 4, 1, 256);
        CudaLaunch c = new CudaLaunch.Args().ptr(1).i32(5).launch("k", 5, 1, 256);
        assertTrue(CudaGraphs.sameShape(List.of(a, a), List.of(a, b)));
        assertFalse(a.sameArgs(b));
        assertFalse(CudaGraphs.sameShape(List.of(a), List.of(c)));
        assertFalse(CudaGraphs.sameShape(List.of(a), List.of(a, a)));
        assertFalse(CudaGraphs.sameShape(null, List.of(a)));
    }
}
