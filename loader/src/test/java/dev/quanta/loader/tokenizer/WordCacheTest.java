package dev.quanta.loader.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The word cache returns what was put under exactly that key, through growth and resets. */
class WordCacheTest {
    @Test
    void keepsEachWordsIdsThroughGrowthAndReset() {
        WordCache wc = new WordCache();
        int[] text = new int[3];
        int resets = 0;
        for (int i = 0; i < 100_000; i++) {
            text[0] = 'a' + i % 26;
            text[1] = i;
            text[2] = i >>> 7;
            int[] ids = {i, -i, i * 3};
            assertNull(wc.get(text, 0, 3));
            wc.put(text, 0, 3, new int[] {7, i, -i, i * 3, 9}, 1, 4);
            assertArrayEquals(ids, wc.get(text, 0, 3));
            // an earlier word is either still there with its own ids, or gone after a reset
            int j = i / 2;
            int[] earlier = wc.get(new int[] {'a' + j % 26, j, j >>> 7}, 0, 3);
            if (earlier != null) assertArrayEquals(new int[] {j, -j, j * 3}, earlier);
            else resets++;
        }
        assertNotNull(wc.get(new int[] {'a' + 99_999 % 26, 99_999, 99_999 >>> 7}, 0, 3));
        // chars of a String and the same values as ints are one key
        wc.put("héllo", 1, 4, new int[] {1, 2}, 0, 2);
        assertArrayEquals(new int[] {1, 2}, wc.get(new int[] {'é', 'l', 'l'}, 0, 3));
        assertNull(wc.get("héllo", 0, 3));
        if (resets == 0) throw new AssertionError("100000 words never filled the cache: the reset path went untested");
    }
}
