package dev.quanta.runtime.grammar;

import dev.quanta.runtime.grammar.GrammarEngine.Frame;
import dev.quanta.runtime.grammar.GrammarEngine.State;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;

/**
 * The grammar state of one generation: which tokens may come next ({@link #fillMask}), advancing
 * by the sampled token ({@link #accept}), and whether the output is complete.
 *
 * <p>Matching is on bytes, so a token that ends in the middle of a UTF-8 character (or a byte
 * token such as {@code <0xE2>}) leaves the matcher in the middle of that character, and only
 * tokens that continue it correctly are allowed next. End-of-generation tokens are allowed
 * exactly when the output so far is a complete sentence of the grammar. Not thread-safe; make
 * one per generation ({@link Grammar#matcher(GrammarVocabulary)} is cheap once the vocabulary's
 * trie exists).
 */
public final class GrammarMatcher {
    private static final int ENGINE_LIMIT = 1 << 20;

    private final Grammar grammar;
    private final GrammarVocabulary vocab;
    private final MaskCache cache;
    private GrammarEngine engine;
    private State state;
    private boolean ended;
    private State[] byDepth;

    GrammarMatcher(Grammar grammar, GrammarVocabulary vocab, MaskCache cache) {
        this.grammar = grammar;
        this.vocab = vocab;
        this.cache = cache;
        this.engine = new GrammarEngine(grammar);
        this.state = engine.initial();
        this.byDepth = new State[vocab == null ? 1 : vocab.maxDepth + 1];
    }

    private GrammarMatcher(GrammarMatcher o) {
        this.grammar = o.grammar;
        this.vocab = o.vocab;
        this.cache = o.cache;
        this.engine = o.engine;
        this.state = o.state;
        this.ended = o.ended;
        this.byDepth = new State[o.byDepth.length];
    }

    /** An independent copy of the current state (sharing caches; use from one thread at a time). */
    public GrammarMatcher copy() {
        return new GrammarMatcher(this);
    }

    /** Back to the start of the grammar. */
    public void reset() {
        state = engine.initial();
        ended = false;
    }

    /** True when the output so far is a complete sentence of the grammar (an end token may follow). */
    public boolean isComplete() {
        return state.complete;
    }

    /** True when more bytes can follow (false once an end token was accepted or the grammar is exhausted). */
    public boolean canContinue() {
        return !ended && state.tops.length > 0;
    }

    /** True after an end-of-generation token was accepted. */
    public boolean isEnded() {
        return ended;
    }

    /** The grammar this matcher follows. */
    public Grammar grammar() {
        return grammar;
    }

    /** Advances by raw bytes if the grammar allows all of them; otherwise returns false and keeps the state. */
    public boolean acceptBytes(byte[] bytes) {
        if (ended) return false;
        State s = state;
        for (byte b : bytes) {
            s = engine.step(s, b & 0xFF);
            if (s.isEmpty()) return false;
        }
        state = s;
        maybeRenewEngine();
        return true;
    }

    /** Advances by the UTF-8 bytes of {@code s} if allowed (tests and prompts); false and no change otherwise. */
    public boolean acceptString(String s) {
        return acceptBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Advances by a token if allowed; false and no change otherwise. */
    public boolean tryAccept(int tokenId) {
        requireVocab();
        if (tokenId < 0 || tokenId >= vocab.size() || ended) return false;
        if (vocab.isEndOfGeneration(tokenId)) {
            if (!state.complete) return false;
            ended = true;
            return true;
        }
        byte[] b = vocab.tokenBytes(tokenId);
        if (b == null || b.length == 0) return false;
        return acceptBytes(b);
    }

    /**
     * Advances by a sampled token.
     *
     * @throws IllegalArgumentException when the grammar does not allow it here (state unchanged)
     */
    public void accept(int tokenId) {
        if (!tryAccept(tokenId)) {
            throw new IllegalArgumentException("token " + tokenId + " is not allowed by the grammar at this point");
        }
    }

    /** Sets {@code allowed} to exactly the tokens that may be sampled next (cleared first). */
    public void fillMask(BitSet allowed) {
        long[] w = new long[(requireVocab().size() + 63) >>> 6];
        fillMask(w);
        allowed.clear();
        allowed.or(BitSet.valueOf(w));
    }

    /** Sets {@code allowed[i]} for the tokens that may be sampled next, false for the others. */
    public void fillMask(boolean[] allowed) {
        long[] w = new long[(requireVocab().size() + 63) >>> 6];
        fillMask(w);
        for (int i = 0; i < allowed.length; i++) allowed[i] = i < vocab.size() && (w[i >>> 6] >>> i & 1L) != 0;
    }

    /** The mask as bits (token i allowed = bit i of {@code words[i / 64]}); the fast form for a sampler. */
    public void fillMask(long[] words) {
        requireVocab();
        java.util.Arrays.fill(words, 0L);
        if (ended) return;
        if (state.complete) for (int id : vocab.eogIds()) words[id >>> 6] |= 1L << id;
        int[] off = vocab.tokOffset, ids = vocab.tokIds;
        for (Frame top : state.tops) {
            MaskCache.Entry e = cache.entryFor(top);
            long[] acc = e.accepted;
            for (int i = 0; i < acc.length; i++) words[i] |= acc[i];
            int[] nodes = e.nodes, skip = e.skip;
            if (nodes.length == 0) continue;
            byDepth[0] = engine.singleton(top);
            for (int j = 0; j < nodes.length; ) {
                int node = nodes[j];
                int d = vocab.nodeDepth[node];
                State st = engine.step(byDepth[d - 1], vocab.nodeByte[node] & 0xFF);
                if (st.isEmpty()) { j = skip[j]; continue; }
                byDepth[d] = st;
                for (int t = off[node]; t < off[node + 1]; t++) words[ids[t] >>> 6] |= 1L << ids[t];
                j++;
            }
        }
    }

    private GrammarVocabulary requireVocab() {
        if (vocab == null) throw new IllegalStateException("this matcher has no vocabulary: use Grammar.matcher(GrammarVocabulary)");
        return vocab;
    }

    private void maybeRenewEngine() {
        if (engine.size() > ENGINE_LIMIT) {
            GrammarEngine fresh = new GrammarEngine(grammar);
            state = fresh.adopt(state);
            engine = fresh;
        }
    }
}
