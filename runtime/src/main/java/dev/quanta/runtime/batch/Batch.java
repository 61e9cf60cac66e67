package dev.quanta.runtime.batch;

import java.util.Arrays;

/**
 * Tokens to evaluate together, each with its own position, sequence and whether its logits are wanted
 * (llama.cpp's {@code llama_batch} with one sequence per token). Tokens of several sequences can share
 * one batch: each attends only to the KV cells of its own sequence (see {@link dev.quanta.runtime.kv.KvCells#mask}).
 *
 * <pre>{@code
 * Batch b = new Batch();
 * for (int i = 0; i < prompt.length; i++) b.add(prompt[i], i, 0, i == prompt.length - 1);
 * Logits out = context.decode(b);          // one row: the last prompt token's
 * }</pre>
 */
public final class Batch {
    private int[] token = new int[16];
    private int[] pos = new int[16];
    private int[] seq = new int[16];
    private boolean[] logits = new boolean[16];
    private int n;

    /** Appends one token; returns this. */
    public Batch add(int tokenId, int position, int seqId, boolean wantLogits) {
        if (position < 0) throw new IllegalArgumentException("negative position " + position);
        if (seqId < 0) throw new IllegalArgumentException("negative sequence id " + seqId);
        if (n == token.length) {
            int cap = n * 2;
            token = Arrays.copyOf(token, cap);
            pos = Arrays.copyOf(pos, cap);
            seq = Arrays.copyOf(seq, cap);
            logits = Arrays.copyOf(logits, cap);
        }
        token[n] = tokenId;
        pos[n] = position;
        seq[n] = seqId;
        logits[n] = wantLogits;
        n++;
        return this;
    }

    /** A batch of one sequence's tokens at consecutive positions from {@code pos0}; logits for the last only. */
    public static Batch of(int[] tokens, int pos0, int seqId) {
        Batch b = new Batch();
        for (int i = 0; i < tokens.length; i++) b.add(tokens[i], pos0 + i, seqId, i == tokens.length - 1);
        return b;
    }

    public int size() { return n; }
    public boolean isEmpty() { return n == 0; }
    public int token(int i) { return token[check(i)]; }
    public int pos(int i) { return pos[check(i)]; }
    public int seq(int i) { return seq[check(i)]; }
    public boolean wantsLogits(int i) { return logits[check(i)]; }

    /** Number of tokens whose logits are wanted. */
    public int outputs() {
        int c = 0;
        for (int i = 0; i < n; i++) if (logits[i]) c++;
        return c;
    }

    /** Tokens [from, to) as a new batch (a micro-batch). */
    public Batch slice(int from, int to) {
        if (from < 0 || to > n || from > to) throw new IndexOutOfBoundsException("slice " + from + ".." + to + " of " + n);
        Batch b = new Batch();
        for (int i = from; i < to; i++) b.add(token[i], pos[i], seq[i], logits[i]);
        return b;
    }

    public void clear() {
        n = 0;
    }

    private int check(int i) {
        if (i < 0 || i >= n) throw new IndexOutOfBoundsException("token " + i + " of a batch of " + n);
        return i;
    }
}
