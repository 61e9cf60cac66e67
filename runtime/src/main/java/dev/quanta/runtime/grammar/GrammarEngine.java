package dev.quanta.runtime.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

/**
 * The byte-level pushdown matcher behind {@link GrammarMatcher}, determinized lazily.
 *
 * <p>A {@link Frame} chain is one stack of grammar positions (top = where the next byte is
 * matched, below it the positions to continue at when the current rule ends), like llama.cpp's
 * stacks of {@code llama_grammar_element} pointers. Frames are interned, so equal stacks are the
 * same object. A {@link State} is a set of stacks whose tops are all byte sets, plus whether the
 * input so far is a complete sentence; states are interned too and remember their successor per
 * byte, so after the first visit a byte step is one array load. Not thread-safe: each matcher
 * owns one engine, and the shared mask cache guards its own.
 *
 * <p>{@link #SENTINEL} stands below a truncated stack (the mask cache looks at only the top few
 * frames); popping into it marks the state {@code escaped}: the outcome depends on frames that
 * were cut off.
 */
final class GrammarEngine {
    /** One stack entry: a position in {@link Grammar#code} and the stack below it. */
    static final class Frame {
        final int pos;
        final Frame parent;
        final int id;
        final int depth;
        int stamp;

        Frame(int pos, Frame parent, int id) {
            this.pos = pos;
            this.parent = parent;
            this.id = id;
            this.depth = parent == null || parent.pos < 0 ? 1 : parent.depth + 1;
        }
    }

    /** A set of stacks (sorted by frame id) plus flags; interned per engine. */
    static final class State {
        final Frame[] tops;
        final boolean complete;
        final boolean escaped;
        private final int hash;
        State[] next;

        State(Frame[] tops, boolean complete, boolean escaped) {
            this.tops = tops;
            this.complete = complete;
            this.escaped = escaped;
            int h = (complete ? 1 : 0) + (escaped ? 2 : 0);
            for (Frame f : tops) h = h * 31 + f.id;
            this.hash = h;
        }

        boolean isEmpty() {
            return tops.length == 0 && !complete && !escaped;
        }

        /** True when some stack (not only an escaped one) is alive: the bytes so far are certainly fine. */
        boolean live() {
            return tops.length > 0 || complete;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof State s && s.hash == hash && s.complete == complete && s.escaped == escaped
                    && Arrays.equals(s.tops, tops);
        }
    }

    static final Frame SENTINEL = new Frame(-1, null, 0);

    final Grammar g;
    private final int[] code;
    private final HashMap<Long, Frame> frames = new HashMap<>();
    private final HashMap<State, State> states = new HashMap<>();
    private int nextId = 1;
    private int stamp;
    private final List<Frame> scratch = new ArrayList<>();
    private boolean complete, escaped;
    final State empty;

    GrammarEngine(Grammar g) {
        this.g = g;
        this.code = g.code;
        this.empty = intern(new State(new Frame[0], false, false));
    }

    /** Interned frames plus states: how much this engine remembers. */
    int size() {
        return frames.size() + states.size();
    }

    Frame frame(int pos, Frame parent) {
        long key = ((long) pos << 32) | (parent == null ? 0xFFFFFFFFL : parent.id & 0xFFFFFFFFL);
        Frame f = frames.get(key);
        if (f == null) {
            f = new Frame(pos, parent, nextId++);
            frames.put(key, f);
        }
        return f;
    }

    private State intern(State s) {
        State old = states.putIfAbsent(s, s);
        return old != null ? old : s;
    }

    /** The state before any input: the root rule's alternatives expanded to their first byte sets. */
    State initial() {
        begin(false);
        for (int a : g.altStarts[g.rootRule]) expandAt(a, null);
        return finish();
    }

    /** The state holding exactly one stack, whose top must be a byte set. */
    State singleton(Frame top) {
        return intern(new State(new Frame[] {top}, false, false));
    }

    /** The state after one more byte; {@link #empty} when no stack accepts it. */
    State step(State s, int b) {
        State[] next = s.next;
        if (next == null) next = s.next = new State[256];
        State r = next[b];
        if (r != null) return r;
        begin(s.escaped);
        for (Frame f : s.tops) {
            if (g.setContains(code[f.pos], b)) expandAt(f.pos + 1, f.parent);
        }
        r = finish();
        next[b] = r;
        return r;
    }

    private void begin(boolean escapedAlready) {
        stamp++;
        scratch.clear();
        complete = false;
        escaped = escapedAlready;
    }

    private State finish() {
        Frame[] tops = scratch.toArray(new Frame[0]);
        if (tops.length > 1) Arrays.sort(tops, (a, b) -> Integer.compare(a.id, b.id));
        return intern(new State(tops, complete, escaped));
    }

    /** Continue at position p with {@code parent} below: stop at byte sets, enter rules, pop at ends. */
    private void expandAt(int p, Frame parent) {
        int e = code[p];
        if (e == Grammar.END || e == Grammar.ALT) {
            pop(parent);
            return;
        }
        expandFrame(frame(p, parent));
    }

    private void pop(Frame parent) {
        if (parent == null) complete = true;
        else if (parent == SENTINEL) escaped = true;
        else expandFrame(parent);
    }

    private void expandFrame(Frame f) {
        if (f.stamp == stamp) return; // already expanded in this step: same results
        f.stamp = stamp;
        int e = code[f.pos];
        if (e >= 0) {
            scratch.add(f);
            return;
        }
        int r = Grammar.refRule(e);
        int nx = code[f.pos + 1];
        // tail call: a reference at the end of a sequence does not keep its own frame
        Frame cont = (nx == Grammar.END || nx == Grammar.ALT) ? f.parent : frame(f.pos + 1, f.parent);
        for (int a : g.altStarts[r]) expandAt(a, cont);
    }

    /** The same state re-interned in this engine (used when a matcher swaps to a fresh engine). */
    State adopt(State s) {
        begin(s.escaped);
        complete = s.complete;
        for (Frame f : s.tops) scratch.add(adopt(f));
        return finish();
    }

    private Frame adopt(Frame f) {
        if (f == null || f == SENTINEL) return f;
        return frame(f.pos, adopt(f.parent));
    }
}
