package dev.quanta.backend.cpu;

import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Op;
import dev.quanta.kernels.graph.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Places the intermediate tensors of a graph in one arena: each computed node gets a 64-byte
 * aligned range, which returns to a free list after the last node that reads it (views extend the
 * life of what they view); outputs are never freed. Views, SET_ROWS (which writes in place into
 * its destination) and leaves take no arena memory.
 */
final class MemoryPlan {
    static final long ALIGN = 64;

    long[] offset = new long[0];
    long size;
    private int[] lastUse = new int[0];
    // free list: parallel arrays sorted by offset
    private long[] freeOff = new long[16], freeLen = new long[16];
    private int nFree;

    /** Plans {@code g}; afterwards {@link #offset}[node.index()] is the node's arena offset (or -1). */
    void plan(Graph g) {
        List<Tensor> nodes = g.nodes();
        int n = nodes.size();
        if (offset.length < n) {
            offset = new long[Math.max(n, offset.length * 2)];
            lastUse = new int[offset.length];
        }
        Arrays.fill(lastUse, 0, n, -1);
        for (int i = 0; i < n; i++) {
            Tensor t = nodes.get(i);
            for (int s = 0; s < t.srcCount(); s++) {
                int r = owner(t.src(s), g);
                if (r >= 0) lastUse[r] = Math.max(lastUse[r], i);
            }
            if (t.isOutput()) {
                int r = owner(t, g);
                if (r >= 0) lastUse[r] = Integer.MAX_VALUE;
            }
        }
        nFree = 0;
        size = 0;
        for (int i = 0; i < n; i++) {
            Tensor t = nodes.get(i);
            offset[i] = -1;
            if (needsMemory(t)) {
                offset[i] = alloc(align(Math.max(1, t.contiguousBytes())));
                if (lastUse[i] < 0) lastUse[i] = i; // never read: free right away
            }
            for (int s = 0; s <= t.srcCount(); s++) {
                int r = owner(s < t.srcCount() ? t.src(s) : t, g);
                if (r >= 0 && lastUse[r] == i && offset[r] >= 0) {
                    free(offset[r], align(Math.max(1, nodes.get(r).contiguousBytes())));
                    lastUse[r] = -2; // freed
                }
            }
        }
    }

    static boolean needsMemory(Tensor t) {
        return t.kind() == Tensor.Kind.NODE && t.op() != Op.VIEW && t.op() != Op.SET_ROWS;
    }

    /** Index of the node whose arena memory {@code t} reads, or -1 (leaf, storage, other graph). */
    private static int owner(Tensor t, Graph g) {
        if (t == null) return -1;
        Tensor r = t.viewRoot();
        while (r.op() == Op.SET_ROWS) r = r.src(0).viewRoot();
        if (r.kind() != Tensor.Kind.NODE || r.index() < 0 || r.index() >= g.nodes().size() || g.nodes().get(r.index()) != r) return -1;
        return r.index();
    }

    private static long align(long b) {
        return (b + ALIGN - 1) & -ALIGN;
    }

    private long alloc(long len) {
        int best = -1;
        for (int i = 0; i < nFree; i++) if (freeLen[i] >= len && (best < 0 || freeLen[i] < freeLen[best])) best = i;
        if (best >= 0) {
            long o = freeOff[best];
            freeOff[best] += len;
            freeLen[best] -= len;
            if (freeLen[best] == 0) remove(best);
            return o;
        }
        // extend: if the last free block touches the end, grow from it
        if (nFree > 0 && freeOff[nFree - 1] + freeLen[nFree - 1] == size) {
            long o = freeOff[nFree - 1];
            size = o + len;
            remove(nFree - 1);
            return o;
        }
        long o = size;
        size += len;
        return o;
    }

    private void remove(int i) {
        System.arraycopy(freeOff, i + 1, freeOff, i, nFree - i - 1);
        System.arraycopy(freeLen, i + 1, freeLen, i, nFree - i - 1);
        nFree--;
    }

    private void free(long off, long len) {
        int i = 0;
        while (i < nFree && freeOff[i] < off) i++;
        if (nFree == freeOff.length) {
            freeOff = Arrays.copyOf(freeOff, nFree * 2);
            freeLen = Arrays.copyOf(freeLen, nFree * 2);
        }
        System.arraycopy(freeOff, i, freeOff, i + 1, nFree - i);
        System.arraycopy(freeLen, i, freeLen, i + 1, nFree - i);
        freeOff[i] = off;
        freeLen[i] = len;
        nFree++;
        // merge with neighbours
        if (i + 1 < nFree && freeOff[i] + freeLen[i] == freeOff[i + 1]) {
            freeLen[i] += freeLen[i + 1];
            remove(i + 1);
        }
        if (i > 0 && freeOff[i - 1] + freeLen[i - 1] == freeOff[i]) {
            freeLen[i - 1] += freeLen[i];
            remove(i);
        }
    }
}
