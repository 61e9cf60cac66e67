package dev.quanta.loader.tokenizer;

import java.util.Arrays;

/**
 * SentencePiece-style BPE ({@code tokenizer.ggml.model = llama}), as llama.cpp's
 * llm_tokenizer_spm: the text (spaces already escaped to U+2581) starts as one symbol per
 * character; the adjacent pair whose concatenation is a token with the highest score is merged
 * first (leftmost on ties), until no pair forms a token. A final symbol that is not a token is
 * written as its UTF-8 bytes through the {@code <0xNN>} byte tokens.
 *
 * <p>Speed: llama.cpp runs one merge queue over the whole fragment. We cut the fragment first
 * where no merge can ever cross: between two characters {@code x y} such that no token of the
 * vocabulary contains {@code xy} (every merged symbol is a token, so a symbol spanning that
 * boundary would contain it). Merges on either side of such a cut never interact, and the queue
 * order restricted to one side is the same, so running one small queue per segment gives exactly
 * llama.cpp's result, with a cache of recent segments (mostly words) on top.
 */
final class SpmModel {
    private final Tokenizer vocab;
    private final TokenMap map;
    private final float[] scores;
    // the pairs of adjacent code points that occur inside some token: open addressing on a packed long
    private final long[] pairs;
    private final int pairMask;
    // the same for the code points 0-255 and U+2581 (index 256): a dense bit table, no probing
    private final long[] densePairs = new long[(257 * 257 + 63) / 64];
    private final ThreadLocal<WordCache> cache = ThreadLocal.withInitial(WordCache::new); // per model and thread

    SpmModel(Tokenizer vocab, TokenMap map, String[] tokens, float[] scores) {
        this.vocab = vocab;
        this.map = map;
        this.scores = scores;
        int count = 0;
        for (String t : tokens) count += Math.max(0, t.length() - 1);
        int cap = Integer.highestOneBit(Math.max(4, count * 2 - 1)) << 1;
        pairs = new long[cap];
        Arrays.fill(pairs, -1L);
        pairMask = cap - 1;
        for (String t : tokens) {
            int prev = -1;
            for (int i = 0; i < t.length(); ) {
                int cp = t.codePointAt(i);
                i += Character.charCount(cp);
                if (prev >= 0) addPair(pack(prev, cp));
                prev = cp;
            }
        }
    }

    private static long pack(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    private int pairSlot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & pairMask;
    }

    private static int denseIndex(int cp) {
        return cp < 256 ? cp : cp == 0x2581 ? 256 : -1;
    }

    private void addPair(long key) {
        int da = denseIndex((int) (key >>> 32)), db = denseIndex((int) key);
        if (da >= 0 && db >= 0) {
            int bit = da * 257 + db;
            densePairs[bit >>> 6] |= 1L << bit;
        }
        int h = pairSlot(key);
        while (pairs[h] != -1L) {
            if (pairs[h] == key) return;
            h = (h + 1) & pairMask;
        }
        pairs[h] = key;
    }

    /** Whether some token contains code point a directly followed by b. */
    private boolean inToken(int a, int b) {
        int da = denseIndex(a), db = denseIndex(b);
        if (da >= 0 && db >= 0) {
            int bit = da * 257 + db;
            return (densePairs[bit >>> 6] & (1L << bit)) != 0;
        }
        long key = pack(a, b);
        for (int h = pairSlot(key); ; h = (h + 1) & pairMask) {
            long k = pairs[h];
            if (k == key) return true;
            if (k == -1L) return false;
        }
    }

    /** Per-call scratch: symbols are code points of the text, linked left to right. */
    private static final class Session {
        int[] start = new int[64], len = new int[64], prev = new int[64], next = new int[64];
        final BigramHeap heap = new BigramHeap();

        void ensure(int n) {
            if (start.length < n) {
                int c = Math.max(n, start.length * 2);
                start = new int[c];
                len = new int[c];
                prev = new int[c];
                next = new int[c];
            }
        }
    }

    private static final ThreadLocal<Session> SESSION = ThreadLocal.withInitial(Session::new);

    void encode(String text, IntList out) {
        int n = text.length();
        if (n == 0) return;
        Session s = SESSION.get();
        WordCache wc = cache.get();
        int segStart = 0, prevCp = -1;
        for (int i = 0; i < n; ) {
            int l = Character.isHighSurrogate(text.charAt(i)) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1)) ? 2 : 1;
            int cp = l == 2 ? Character.toCodePoint(text.charAt(i), text.charAt(i + 1)) : text.charAt(i);
            if (prevCp >= 0 && !inToken(prevCp, cp)) {
                encodeSegment(text, segStart, i, s, wc, out);
                segStart = i;
            }
            prevCp = cp;
            i += l;
        }
        encodeSegment(text, segStart, n, s, wc, out);
    }

    /**
     * llama.cpp's algorithm as it stands: one merge queue over the whole text, no cuts, no cache.
     * The reference that tests hold {@link #encode} to.
     */
    void encodeWhole(String text, IntList out) {
        if (!text.isEmpty()) mergeSegment(text, 0, text.length(), SESSION.get(), out);
    }

    private void encodeSegment(String text, int from, int to, Session s, WordCache wc, IntList out) {
        int len = to - from;
        if (len > WordCache.MAX_WORD || len == 1 || (len == 2 && Character.isSurrogatePair(text.charAt(from), text.charAt(from + 1)))) {
            mergeSegment(text, from, to, s, out);
            return;
        }
        int[] cached = wc.get(text, from, to);
        if (cached != null) {
            out.addAll(cached);
            return;
        }
        int mark = out.n;
        mergeSegment(text, from, to, s, out);
        wc.put(text, from, to, out.a, mark, out.n);
    }

    private void mergeSegment(String text, int from, int to, Session s, IntList out) {
        s.ensure(to - from);
        int count = 0;
        for (int i = from; i < to; ) {
            int l = Character.isHighSurrogate(text.charAt(i)) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1)) ? 2 : 1;
            s.start[count] = i;
            s.len[count] = l;
            s.prev[count] = count - 1;
            s.next[count] = count + 1;
            count++;
            i += l;
        }
        s.next[count - 1] = -1;
        BigramHeap heap = s.heap;
        heap.clear();
        for (int i = 1; i < count; i++) tryAdd(text, s, i - 1, i);
        while (!heap.isEmpty()) {
            int l = heap.topLeft(), r = heap.topRight(), size = heap.topSize();
            heap.pop();
            if (s.len[l] == 0 || s.len[r] == 0 || s.len[l] + s.len[r] != size) continue;
            s.len[l] += s.len[r];
            s.len[r] = 0;
            s.next[l] = s.next[r];
            if (s.next[r] >= 0) s.prev[s.next[r]] = l;
            tryAdd(text, s, s.prev[l], l);
            tryAdd(text, s, l, s.next[l]);
        }
        for (int i = 0; i != -1; i = s.next[i]) {
            int a = s.start[i], b = a + s.len[i];
            int id = map.get(text, a, b);
            if (id >= 0) {
                out.add(id);
            } else {
                byte[] bytes = Unicode.utf8(text.substring(a, b));
                for (byte x : bytes) out.add(vocab.byteToToken(x & 0xFF));
            }
        }
    }

    private void tryAdd(String text, Session s, int l, int r) {
        if (l < 0 || r < 0) return;
        int from = s.start[l], to = s.start[r] + s.len[r];
        int id = map.get(text, from, to);
        if (id < 0) return;
        s.heap.push(-(double) scores[id], l, r, to - from);
    }
}
