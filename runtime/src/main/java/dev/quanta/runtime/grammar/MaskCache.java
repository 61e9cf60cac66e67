package dev.quanta.runtime.grammar;

import dev.quanta.runtime.grammar.GrammarEngine.Frame;
import dev.quanta.runtime.grammar.GrammarEngine.State;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per (grammar, vocabulary) cache of token masks keyed by the top frames of one grammar stack —
 * the idea of XGrammar's adaptive token mask cache, on llama.cpp's stacks.
 *
 * <p>For a key (the top k positions of a stack) the whole vocabulary trie is walked once with
 * that truncated stack ({@link GrammarEngine#SENTINEL} below it). Each token is then either
 * accepted whatever lies below (some path never left the top k frames), rejected whatever lies
 * below (every path died inside them), or uncertain (a path popped below the cut). At run time a
 * mask is the OR of the cached accepted sets plus a walk of only the uncertain tokens' sub-trie
 * with the real stack. When a key leaves too many tokens uncertain and the real stack is deeper,
 * a longer key is used (k doubles).
 */
final class MaskCache {
    static final int FIRST_K = 4;
    static final int MAX_UNCERTAIN = 1024;

    /** The cached outcome for one key. */
    static final class Entry {
        final long[] accepted;
        /** Trie nodes (preorder) on the paths to uncertain tokens, and where each one's subtree ends in this list. */
        final int[] nodes;
        final int[] skip;
        final int uncertainTokens;

        Entry(long[] accepted, int[] nodes, int[] skip, int uncertainTokens) {
            this.accepted = accepted;
            this.nodes = nodes;
            this.skip = skip;
            this.uncertainTokens = uncertainTokens;
        }
    }

    private record Key(int[] positions, boolean truncated) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.truncated == truncated && Arrays.equals(k.positions, positions);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(positions) * 2 + (truncated ? 1 : 0);
        }
    }

    private final GrammarVocabulary v;
    private final GrammarEngine engine; // guarded by this
    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();
    private final int words;
    private long buildNanos;

    MaskCache(Grammar g, GrammarVocabulary v) {
        this.v = v;
        this.engine = new GrammarEngine(g);
        this.words = (v.size() + 63) >>> 6;
    }

    int entries() {
        return entries.size();
    }

    synchronized long buildNanos() {
        return buildNanos;
    }

    /** The entry for a real stack whose top is {@code top}, with k grown until few tokens stay uncertain. */
    Entry entryFor(Frame top) {
        int k = FIRST_K;
        while (true) {
            boolean truncated = top.depth > k;
            int n = truncated ? k : top.depth;
            int[] pos = new int[n];
            Frame f = top;
            for (int i = 0; i < n; i++, f = f.parent) pos[i] = f.pos;
            Key key = new Key(pos, truncated);
            Entry e = entries.get(key);
            if (e == null) e = build(key);
            if (!truncated || e.uncertainTokens <= MAX_UNCERTAIN) return e;
            k *= 2;
        }
    }

    private synchronized Entry build(Key key) {
        Entry e = entries.get(key);
        if (e != null) return e;
        long t0 = System.nanoTime();
        int[] pos = key.positions();
        Frame f = key.truncated() ? GrammarEngine.SENTINEL : null;
        for (int i = pos.length - 1; i >= 0; i--) f = engine.frame(pos[i], f);
        State start = engine.singleton(f);

        long[] accepted = new long[words];
        boolean[] uncertain = new boolean[v.nodeCount];
        int uncertainTokens = 0;
        State[] byDepth = new State[v.maxDepth + 1];
        byDepth[0] = start;
        int[] off = v.tokOffset, ids = v.tokIds;
        for (int i = 1; i < v.nodeCount; ) {
            int d = v.nodeDepth[i];
            State st = engine.step(byDepth[d - 1], v.nodeByte[i] & 0xFF);
            if (st.isEmpty()) { i = v.subtreeEnd[i]; continue; }
            byDepth[d] = st;
            if (st.live()) {
                for (int t = off[i]; t < off[i + 1]; t++) accepted[ids[t] >>> 6] |= 1L << ids[t];
                i++;
            } else { // escaped only: every token below depends on the frames that were cut off
                int end = v.subtreeEnd[i];
                for (int j = i; j < end; j++) {
                    if (off[j + 1] > off[j]) { uncertain[j] = true; uncertainTokens += off[j + 1] - off[j]; }
                }
                i = end;
            }
        }
        // the sub-trie of uncertain tokens: marked nodes and their ancestors, in preorder
        boolean[] keep = new boolean[v.nodeCount];
        int m = 0;
        for (int i = v.nodeCount - 1; i > 0; i--) {
            if (uncertain[i] && !keep[i]) {
                for (int j = i; j > 0 && !keep[j]; j = v.nodeParent[j]) keep[j] = true;
            }
        }
        for (int i = 1; i < v.nodeCount; i++) if (keep[i]) m++;
        int[] nodes = new int[m];
        m = 0;
        for (int i = 1; i < v.nodeCount; i++) if (keep[i]) nodes[m++] = i;
        int[] skip = new int[m];
        int[] open = new int[v.maxDepth + 1];
        int sp = 0;
        for (int j = 0; j < m; j++) {
            while (sp > 0 && nodes[j] >= v.subtreeEnd[nodes[open[sp - 1]]]) skip[open[--sp]] = j;
            open[sp++] = j;
        }
        while (sp > 0) skip[open[--sp]] = m;
        e = new Entry(accepted, nodes, skip, uncertainTokens);
        entries.put(key, e);
        buildNanos += System.nanoTime() - t0;
        return e;
    }
}
