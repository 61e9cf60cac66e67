package dev.quanta.runtime.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quanta.runtime.batch.Batch;
import org.junit.jupiter.api.Test;

class KvCellsTest {
    static final float X = Float.NEGATIVE_INFINITY;

    @Test
    void maskIsCausalPerSequence() {
        KvCells c = new KvCells(8);
        Batch b = new Batch().add(10, 0, 0, false).add(20, 0, 1, false).add(11, 1, 0, true).add(21, 1, 1, true);
        int[] cells = c.place(b);
        assertArrayEquals(new int[] {0, 1, 2, 3}, cells);
        float[] m = c.mask(b, c.usedEnd(), 0);
        assertArrayEquals(new float[] {
                0, X, X, X,   // seq 0 pos 0 sees cell 0
                X, 0, X, X,   // seq 1 pos 0 sees cell 1
                0, X, 0, X,   // seq 0 pos 1 sees cells 0, 2
                X, 0, X, 0}, m);
    }

    @Test
    void slidingWindowMasksOldCells() {
        KvCells c = new KvCells(8);
        Batch b = new Batch();
        for (int p = 0; p < 5; p++) b.add(p, p, 0, true);
        c.place(b);
        float[] m = c.mask(b, 5, 2);
        // token at pos 4 sees pos 3 and 4 only
        assertArrayEquals(new float[] {X, X, X, 0, 0}, java.util.Arrays.copyOfRange(m, 20, 25));
    }

    @Test
    void freedCellsAreReusedLowestFirst() {
        KvCells c = new KvCells(4);
        c.place(new Batch().add(1, 0, 0, false).add(2, 1, 0, false).add(3, 2, 0, false));
        c.remove(0, 1, 2);
        assertEquals(2, c.used());
        assertEquals(3, c.usedEnd());
        int[] cells = c.place(new Batch().add(4, 1, 0, false).add(5, 3, 0, false));
        assertArrayEquals(new int[] {1, 3}, cells);
        assertEquals(0, c.free());
    }

    @Test
    void sharedPrefixBelongsToBothSequences() {
        KvCells c = new KvCells(4);
        c.place(new Batch().add(1, 0, 0, false).add(2, 1, 0, false));
        c.copy(0, 1, 0, -1);
        c.remove(0, 0, -1);
        assertEquals(2, c.used());
        assertEquals(1, c.maxPos(1));
        c.remove(1, 0, -1);
        assertEquals(0, c.used());
    }
}
