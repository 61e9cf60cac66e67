package dev.quanta.runtime.kv;

import dev.quanta.runtime.ContextFullException;
import dev.quanta.runtime.batch.Batch;
import java.util.Arrays;

/**
 * Host-side bookkeeping of the KV cache, as llama.cpp's unified cache: {@code size} cells, each
 * empty or holding the K/V of one token at a position for a set of sequences (a bit set, so a shared
 * prefix can belong to several sequences). The device tensors live in {@link KvCache}; this class
 * decides which cell each token of a batch writes and builds the attention mask.
 */
public final class KvCells {
    /** Sequence ids are 0..MAX_SEQ-1. */
    public static final int MAX_SEQ = 64;

    private final int size;
    private final int[] pos;
    private final long[] seqs;
    private int used;

    public KvCells(int size) {
        if (size <= 0) throw new IllegalArgumentException("KV cache of " + size + " cells");
        this.size = size;
        this.pos = new int[size];
        this.seqs = new long[size];
        Arrays.fill(pos, -1);
    }

    public int size() { return size; }

    /** Cells holding a token. */
    public int used() { return used; }

    public int free() { return size - used; }

    /** Position held by cell {@code i}, or -1 when empty. */
    public int pos(int i) { return pos[i]; }

    public boolean hasSeq(int cell, int seq) {
        return (seqs[cell] & (1L << seq)) != 0;
    }

    /** One past the highest occupied cell: the number of cells attention must look at. */
    public int usedEnd() {
        for (int i = size - 1; i >= 0; i--) if (pos[i] >= 0) return i + 1;
        return 0;
    }

    /**
     * Assigns a free cell to every token of {@code b} (lowest free cells first) and marks them
     * occupied. Throws {@link ContextFullException}, changing nothing, when there are too few.
     */
    public int[] place(Batch b) {
        for (int i = 0; i < b.size(); i++) {
            if (b.seq(i) >= MAX_SEQ) throw new IllegalArgumentException("sequence id " + b.seq(i) + " >= " + MAX_SEQ);
        }
        if (b.size() > free())
            throw new ContextFullException("context full: " + used + " of " + size + " KV cells in use, "
                    + b.size() + " more needed");
        int[] cells = new int[b.size()];
        int c = 0;
        for (int i = 0; i < b.size(); i++) {
            while (pos[c] >= 0) c++;
            cells[i] = c;
            pos[c] = b.pos(i);
            seqs[c] = 1L << b.seq(i);
            used++;
        }
        return cells;
    }

    /** Frees the given cells (undoes {@link #place} when a compute fails). */
    public void release(int[] cells) {
        for (int c : cells) {
            if (pos[c] >= 0) {
                pos[c] = -1;
                seqs[c] = 0;
                used--;
            }
        }
    }

    /**
     * Removes sequence {@code seq} (or every sequence when seq &lt; 0) from the cells with
     * {@code p0 <= pos < p1} (p1 &lt; 0: no upper bound). A cell left with no sequence is freed.
     */
    public void remove(int seq, int p0, int p1) {
        long mask = seq < 0 ? -1L : 1L << seq;
        for (int i = 0; i < size; i++) {
            if (pos[i] < 0 || (seqs[i] & mask) == 0) continue;
            if (pos[i] < p0 || (p1 >= 0 && pos[i] >= p1)) continue;
            seqs[i] &= ~mask;
            if (seqs[i] == 0) {
                pos[i] = -1;
                used--;
            }
        }
    }

    /** Adds sequence {@code dst} to the cells of {@code src} with p0 &lt;= pos &lt; p1 (shares a prefix, no copy). */
    public void copy(int src, int dst, int p0, int p1) {
        for (int i = 0; i < size; i++) {
            if (pos[i] < 0 || !hasSeq(i, src)) continue;
            if (pos[i] < p0 || (p1 >= 0 && pos[i] >= p1)) continue;
            seqs[i] |= 1L << dst;
        }
    }

    public void clear() {
        Arrays.fill(pos, -1);
        Arrays.fill(seqs, 0);
        used = 0;
    }

    /** Highest position held for {@code seq}, or -1. */
    public int maxPos(int seq) {
        int m = -1;
        for (int i = 0; i < size; i++) if (pos[i] >= 0 && hasSeq(i, seq)) m = Math.max(m, pos[i]);
        return m;
    }

    /** Number of cells holding {@code seq}. */
    public int count(int seq) {
        int c = 0;
        for (int i = 0; i < size; i++) if (pos[i] >= 0 && hasSeq(i, seq)) c++;
        return c;
    }

    /**
     * The KQ mask of a placed batch, like llama.cpp's {@code kq_mask}: F32 [nKv, nTok] row-major by
     * token; entry (j, i) is 0 when cell j belongs to token i's sequence and holds a position not after
     * token i's (causal), and -inf otherwise. With {@code window > 0} (sliding-window attention) cells
     * with {@code pos_i - pos_j >= window} are masked too.
     */
    public float[] mask(Batch b, int nKv, int window) {
        float[] m = new float[nKv * b.size()];
        for (int i = 0; i < b.size(); i++) {
            long bit = 1L << b.seq(i);
            int p = b.pos(i);
            int row = i * nKv;
            for (int j = 0; j < nKv; j++) {
                boolean visible = pos[j] >= 0 && (seqs[j] & bit) != 0 && pos[j] <= p
                        && (window <= 0 || p - pos[j] < window);
                m[row + j] = visible ? 0f : Float.NEGATIVE_INFINITY;
            }
        }
        return m;
    }
}
