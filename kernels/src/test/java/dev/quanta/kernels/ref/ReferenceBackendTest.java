package dev.quanta.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.BackendException;
import dev.quanta.kernels.backend.BackendProvider;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.DeviceBuffer;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReferenceBackendTest {
    private final Device device = ReferenceBackend.openDevice();
    private final Stream stream = device.openStream();

    @AfterEach
    void close() {
        stream.close();
        device.close();
    }

    private Tensor f32Storage(String name, float[] v, long... ne) {
        DeviceBuffer b = device.allocate(v.length * 4L, name);
        b.write(0, MemorySegment.ofArray(v));
        return Tensor.storage(name, GgmlType.F32, b, 0, ne);
    }

    private float[] read(Tensor t) {
        float[] out = new float[(int) t.nelements()];
        stream.readFloats(t, out);
        return out;
    }

    @Test
    void foundThroughServiceLoaderWithLowestScore() {
        BackendProvider ref = ServiceLoader.load(BackendProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals("reference")).findFirst().orElseThrow();
        assertEquals(1, ref.probe().score());
        assertEquals(1, ref.devices().size());
        assertEquals("reference", ref.devices().getFirst().backend());
        assertTrue(ref.devices().getFirst().totalMemory() > 0);
    }

    @Test
    void viewsOfAFusedQkvTensor() {
        // fused W[k=2, n=6]: rows 0-1 make q, 2-3 k, 4-5 v; x[k=2, m=2]
        Tensor w = f32Storage("wqkv", new float[] {1, 0, 0, 1, 1, 1, 1, -1, 2, 0, 0, 2}, 2, 6);
        Graph g = new Graph();
        Tensor x = g.input("x", GgmlType.F32, 2, 2).setFloats(3, 4, 5, 6);
        Tensor qkv = g.mulMat(w, x);                           // [6, 2]: rows per token [3,4,7,-1,6,8], [5,6,11,-1,10,12]
        Tensor q = g.cols(qkv, 0, 2);                          // strided view: nb1 = 24 bytes
        Tensor k = g.cols(qkv, 2, 2);
        Tensor v = g.cols(qkv, 4, 2);
        Tensor sum = g.add(q, k).markOutput();
        Tensor vv = g.scale(v, 0.5f).markOutput();
        Tensor kOut = k.markOutput();
        Tensor row1 = g.rows(qkv, 1, 1).markOutput();
        stream.compute(g);
        assertArrayEquals(new float[] {10, 3, 16, 5}, read(sum));
        assertArrayEquals(new float[] {3, 4, 5, 6}, read(vv));
        assertArrayEquals(new float[] {7, -1, 11, -1}, read(kOut));
        assertArrayEquals(new float[] {5, 6, 11, -1, 10, 12}, read(row1));
        // a view of a storage tensor, with strides: every other row of a 4-row table
        Graph g2 = new Graph();
        Tensor table = f32Storage("t", new float[] {0, 1, 2, 3, 4, 5, 6, 7}, 2, 4);
        Tensor even = g2.view("even", table, new long[] {2, 2}, new long[] {4, 16}, 0);
        Tensor n = g2.scale(even, 2f).markOutput();
        stream.compute(g2);
        assertArrayEquals(new float[] {0, 2, 8, 10}, read(n));
        assertArrayEquals(new float[] {0, 1, 4, 5}, read(even)); // a view of storage is always readable
    }

    @Test
    void setRowsWritesTheCacheThatAttentionReads() {
        DeviceBuffer cache = device.allocate(2 * 3 * 4 + 16, "kcache"); // 3 cells of 2 floats + 16 guard bytes
        MemorySegment guard = MemorySegment.ofArray(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
        cache.write(24, guard);
        Tensor kc = Tensor.storage("k", GgmlType.F32, cache, 0, 2, 3);
        Graph g = new Graph();
        Tensor kNew = g.input("knew", GgmlType.F32, 2, 2).setFloats(1, 0, 0, 1);
        Tensor idx = g.input("idx", GgmlType.I32, 2).setInts(2, 0);
        Tensor k = g.setRows(kc, kNew, idx);
        Tensor q = g.input("q", GgmlType.F32, 2, 1, 1).setFloats(0, 2);
        Tensor mask = g.input("mask", GgmlType.F32, 3, 1).setFloats(0, Float.NEGATIVE_INFINITY, 0);
        Tensor out = g.attention(q, k, k, mask, new OpParams.Attention(1, 1, 2, 2, 1f, 0f)).markOutput();
        stream.compute(g);
        // cells 0 = (0,1), 2 = (1,0); scores 2 and 0 -> p = (e^2, 1)/(e^2+1)
        double p0 = Math.exp(2) / (Math.exp(2) + 1);
        assertArrayEquals(new float[] {(float) (1 - p0), (float) p0}, read(out), 1e-6f);
        assertArrayEquals(new float[] {0, 1, 0, 0, 1, 0}, read(kc));
        MemorySegment tail = MemorySegment.ofArray(new byte[16]);
        cache.read(24, tail);
        assertEquals(-1, tail.mismatch(guard), "guard bytes after the cache changed");
    }

    @Test
    void readRulesAndErrors() {
        Graph g = new Graph();
        Tensor a = g.input("a", GgmlType.F32, 3).setFloats(1, 5, 2);
        Tensor s = g.scale(a, 2f);
        Tensor am = g.argmax(s).markOutput();
        stream.compute(g);
        int[] best = new int[1];
        stream.readInts(am, best);
        assertEquals(1, best[0]);
        var e = assertThrows(IllegalStateException.class, () -> read(s));
        assertTrue(e.getMessage().contains("not marked as output"), e.getMessage());
        // reading into a larger buffer leaves its tail alone
        float[] big = {9, 9, 9, 9};
        stream.read(a, MemorySegment.ofArray(big));
        assertArrayEquals(new float[] {1, 5, 2, 9}, big);

        Graph bad = new Graph();
        Tensor table = f32Storage("emb", new float[] {1, 2, 3, 4}, 2, 2);
        Tensor ids = bad.input("ids", GgmlType.I32, 1).setInts(5);
        bad.getRows(table, ids).markOutput();
        var be = assertThrows(BackendException.class, () -> stream.compute(bad));
        assertTrue(be.getMessage().contains("emb[ids]") && be.getMessage().contains("id 5"), be.getMessage());
    }

    @Test
    void cpyConvertsAndCopiesSameTypeBytes() {
        Graph g = new Graph();
        Tensor a = g.input("a", GgmlType.F32, 32, 2);
        float[] v = new float[64];
        for (int i = 0; i < 64; i++) v[i] = i - 20.5f;
        a.setFloats(v);
        Tensor h = g.cpy(a, GgmlType.F16);
        Tensor q = g.cpy(h, GgmlType.Q8_0).markOutput();
        Tensor back = g.cpy(g.cols(g.cpy(q, GgmlType.Q8_0), 0, 32), GgmlType.F32).markOutput();
        stream.compute(g);
        MemorySegment bytes = MemorySegment.ofArray(new byte[68]);
        stream.read(q, bytes);
        assertEquals(68, q.contiguousBytes());
        float[] f = read(back);
        for (int i = 0; i < 64; i++) assertEquals(v[i], f[i], 0.25f, "element " + i);
        MemorySegment expect = MemorySegment.ofArray(new byte[68]); // v is exact in F16, so Q8_0(F16(v)) = Q8_0(v)
        dev.quanta.kernels.quant.QuantCodecs.of(GgmlType.Q8_0).quantizeRowRef(v, 0, expect, 0, 64);
        assertEquals(-1, bytes.mismatch(expect));
    }
}
