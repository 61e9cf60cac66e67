package dev.quanta.runtime.exec;

import java.util.Arrays;

/**
 * The logits a {@link InferenceContext#decode decode} produced: one row of {@code nVocab} floats for
 * every batch token that wanted logits, in batch order.
 */
public final class Logits {
    private final float[] data;
    private final int nVocab;
    private final int[] rowOfToken;

    Logits(float[] data, int nVocab, int[] rowOfToken) {
        this.data = data;
        this.nVocab = nVocab;
        this.rowOfToken = rowOfToken;
    }

    public int nVocab() { return nVocab; }

    /** Number of rows. */
    public int rows() { return data.length / nVocab; }

    /** A copy of row {@code r} (rows are in batch order of the tokens that wanted logits). */
    public float[] row(int r) {
        return Arrays.copyOfRange(data, r * nVocab, (r + 1) * nVocab);
    }

    /** The logits of batch token {@code i}; it must have wanted them. */
    public float[] ofToken(int i) {
        int r = i < rowOfToken.length ? rowOfToken[i] : -1;
        if (r < 0) throw new IllegalArgumentException("batch token " + i + " did not ask for logits");
        return row(r);
    }

    /** The last row (the usual "next token" logits). */
    public float[] last() {
        return row(rows() - 1);
    }

    /** All rows, [rows, nVocab] row-major (no copy). */
    public float[] raw() { return data; }
}
