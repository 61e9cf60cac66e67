package dev.quanta.loader.tokenizer;

/**
 * SentencePiece-style BPE ({@code tokenizer.ggml.model = llama}), as llama.cpp's
 * llm_tokenizer_spm: the text (spaces already escaped to U+2581) starts as one symbol per
 * character; the adjacent pair whose concatenation is a token with the highest score is merged
 * first (leftmost on ties), until no pair forms a token. A final symbol that is not a token is
 * written as its UTF-8 bytes through the {@code <0xNN>} byte tokens.
 */
final class SpmModel {
    private final Tokenizer vocab;
    private final TokenMap map;
    private final float[] scores;

    SpmModel(Tokenizer vocab, TokenMap map, float[] scores) {
        this.vocab = vocab;
        this.map = map;
        this.scores = scores;
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
        s.ensure(n);
        int count = 0;
        for (int i = 0; i < n; ) {
            int l = Character.isHighSurrogate(text.charAt(i)) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1)) ? 2 : 1;
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
            int from = s.start[i], to = from + s.len[i];
            int id = map.get(text, from, to);
            if (id >= 0) {
                out.add(id);
            } else {
                byte[] bytes = Unicode.utf8(text.substring(from, to));
                for (byte b : bytes) out.add(vocab.byteToToken(b & 0xFF));
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
