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
    private final float[] hidden;
    private final int nEmbd;

    Logits(float[] data, int nVocab, int[] rowOfToken) {
        this(data, nVocab, rowOfToken, null, 0);
    }

    Logits(float[] data, int nVocab, int[] rowOfToken, float[] hidden, int nEmbd) {
        this.data = data;
        this.nVocab = nVocab;
        this.rowOfToken = rowOfToken;
        this.hidden = hidden;
        this.nEmbd = nEmbd;
    }

    /** True when the decode was asked for hidden states ({@link InferenceContext#decode(dev.quanta.runtime.batch.Batch, boolean)}). */
    public boolean hasHidden() { return hidden != null; }

    /**
     * A copy of the final hidden state (output of the last norm, F32 [nEmbd]) of row {@code r}; only
     * when {@link #hasHidden()}.
     */
    public float[] hiddenRow(int r) {
        if (hidden == null) throw new IllegalStateException("the decode did not ask for hidden states");
        return Arrays.copyOfRange(hidden, r * nEmbd, (r + 1) * nEmbd);
    }

    /** The final hidden state of batch token {@code i}; it must have wanted outputs. */
    public float[] hiddenOfToken(int i) {
        int r = i < rowOfToken.length ? rowOfToken[i] : -1;
        if (r < 0) throw new IllegalArgumentException("batch token " + i + " did not ask for outputs");
        return hiddenRow(r);
    }

    /** Row index of batch token {@code i}, or -1 when it did not want outputs. */
    public int rowOf(int i) {
        return i < rowOfToken.length ? rowOfToken[i] : -1;
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
