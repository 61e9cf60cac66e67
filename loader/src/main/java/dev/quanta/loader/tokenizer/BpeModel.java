package dev.quanta.loader.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte-level BPE ({@code tokenizer.ggml.model = gpt2}), as llama.cpp's llm_tokenizer_bpe: the
 * pre-tokenizer splits the text into words; each word's UTF-8 bytes start as one symbol each (the
 * GPT-2 alphabet character of the byte); the adjacent pair with the lowest merge rank is merged
 * first (leftmost on ties) until no pair has a rank.
 *
 * <p>Symbols are token ids. A merge whose result is not in the vocabulary (possible in a
 * hand-made file) gets a "virtual" id above the vocabulary; a final virtual symbol is written
 * byte by byte where single bytes are tokens, as llama.cpp does.
 */
final class BpeModel {
    private final TokenMap map;
    private final PreTokenizer pre;
    private final boolean ignoreMerges;
    private final int nVocab;
    private final int[] byteId = new int[256];
    private final String[] virtualText;
    // merges: (left id, right id) -> rank, result id; open addressing on a packed long key
    private final long[] mergeKey;
    private final int[] mergeRank;
    private final int[] mergeResult;
    private final int mergeMask;
    private final ThreadLocal<WordCache> cache = ThreadLocal.withInitial(WordCache::new); // per model and thread

    BpeModel(String[] tokens, TokenMap map, String[] merges, PreTokenizer pre, boolean ignoreMerges) {
        this.map = map;
        this.pre = pre;
        this.ignoreMerges = ignoreMerges;
        this.nVocab = tokens.length;
        Map<String, Integer> virtual = new HashMap<>();
        List<String> vtext = new ArrayList<>();
        java.util.function.Function<String, Integer> idOf = t -> {
            int id = map.get(t);
            if (id >= 0) return id;
            return virtual.computeIfAbsent(t, k -> {
                vtext.add(k);
                return nVocab + vtext.size() - 1;
            });
        };
        for (int b = 0; b < 256; b++) byteId[b] = idOf.apply(new String(Character.toChars(Unicode.byteToCodepoint(b))));
        int cap = Integer.highestOneBit(Math.max(4, merges.length * 2 - 1)) << 1;
        mergeKey = new long[cap];
        Arrays.fill(mergeKey, -1L);
        mergeRank = new int[cap];
        mergeResult = new int[cap];
        mergeMask = cap - 1;
        for (int rank = 0; rank < merges.length; rank++) {
            String m = merges[rank];
            int sp = m.indexOf(' ', 1);
            String a = sp < 0 ? "" : m.substring(0, sp), b = sp < 0 ? "" : m.substring(sp + 1);
            if (a.isEmpty() || b.isEmpty()) continue; // llama.cpp keeps it under an empty pair that never matches
            int ia = idOf.apply(a), ib = idOf.apply(b), ir = idOf.apply(a + b);
            long key = pack(ia, ib);
            int h = slot(key);
            while (mergeKey[h] != -1L && mergeKey[h] != key) h = (h + 1) & mergeMask;
            if (mergeKey[h] == key) continue; // first rank wins, as std::unordered_map::emplace
            mergeKey[h] = key;
            mergeRank[h] = rank;
            mergeResult[h] = ir;
        }
        virtualText = vtext.toArray(new String[0]);
    }

    private static long pack(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mergeMask;
    }

    private int find(int a, int b) {
        long key = pack(a, b);
        for (int h = slot(key); ; h = (h + 1) & mergeMask) {
            long k = mergeKey[h];
            if (k == key) return h;
            if (k == -1L) return -1;
        }
    }

    PreTokenizer preTokenizer() {
        return pre;
    }

    private static final class Session {
        int[] id = new int[64], len = new int[64], prev = new int[64], next = new int[64];
        byte[] bytes = new byte[256];
        final BigramHeap heap = new BigramHeap();

        void ensure(int n) {
            if (id.length < n) {
                int c = Math.max(n, id.length * 2);
                id = new int[c];
                len = new int[c];
                prev = new int[c];
                next = new int[c];
            }
            if (bytes.length < n) bytes = new byte[Math.max(n, bytes.length * 2)];
        }
    }

    private static final ThreadLocal<Session> SESSION = ThreadLocal.withInitial(Session::new);

    void encode(String text, IntList out) {
        int[] cps = Unicode.codepoints(text);
        PreTokenizer.Bounds b = pre.split(cps, 0, cps.length);
        Session s = SESSION.get();
        WordCache wc = cache.get();
        for (int k = 0; k + 1 < b.n; k++) encodeWord(cps, b.a[k], b.a[k + 1], s, wc, out);
    }

    private void encodeWord(int[] cps, int from, int to, Session s, WordCache wc, IntList out) {
        boolean cacheable = to - from <= WordCache.MAX_WORD;
        if (cacheable) {
            int[] cached = wc.get(cps, from, to);
            if (cached != null) {
                out.addAll(cached);
                return;
            }
        }
        int mark = out.n;
        s.ensure((to - from) * 4);
        int nb = 0;
        for (int i = from; i < to; i++) nb = Unicode.putUtf8(s.bytes, nb, cps[i]);
        int whole = ignoreMerges ? map.get(Unicode.bytesToGpt2(s.bytes, 0, nb)) : -1;
        if (whole >= 0) {
            out.add(whole);
        } else {
            mergeWord(s, nb, out);
        }
        if (cacheable) wc.put(cps, from, to, out.a, mark, out.n);
    }

    private void mergeWord(Session s, int n, IntList out) {
        for (int i = 0; i < n; i++) {
            s.id[i] = byteId[s.bytes[i] & 0xFF];
            s.len[i] = 1;
            s.prev[i] = i - 1;
            s.next[i] = i + 1;
        }
        s.next[n - 1] = -1;
        BigramHeap heap = s.heap;
        heap.clear();
        for (int i = 1; i < n; i++) tryAdd(s, i - 1, i);
        while (!heap.isEmpty()) {
            int l = heap.topLeft(), r = heap.topRight(), size = heap.topSize();
            heap.pop();
            if (s.len[l] == 0 || s.len[r] == 0 || s.len[l] + s.len[r] != size) continue;
            int h = find(s.id[l], s.id[r]);
            s.id[l] = mergeResult[h];
            s.len[l] += s.len[r];
            s.len[r] = 0;
            s.next[l] = s.next[r];
            if (s.next[r] >= 0) s.prev[s.next[r]] = l;
            tryAdd(s, s.prev[l], l);
            tryAdd(s, l, s.next[l]);
        }
        for (int i = 0; i != -1; i = s.next[i]) {
            int id = s.id[i];
            if (id < nVocab) {
                out.add(id);
            } else {
                // not a token: each byte of its text that is a token on its own
                for (byte c : Unicode.utf8(virtualText[id - nVocab])) {
                    if (c >= 0) {
                        int t = map.get(String.valueOf((char) c));
                        if (t >= 0) out.add(t);
                    }
                }
            }
        }
    }

    private void tryAdd(Session s, int l, int r) {
        if (l < 0 || r < 0) return;
        int h = find(s.id[l], s.id[r]);
        if (h < 0) return;
        s.heap.push(mergeRank[h], l, r, s.len[l] + s.len[r]);
    }
}
