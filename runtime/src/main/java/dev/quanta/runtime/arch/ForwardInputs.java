package dev.quanta.runtime.arch;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Tensor;

/**
 * The host inputs of one forward graph (one micro-batch), set before compute.
 *
 * @param tokens  I32 [nTok] token ids
 * @param pos     I32 [nTok] positions (RoPE)
 * @param cells   I32 [nTok] the KV cells the batch's K/V rows are written to
 * @param mask    F32 [nKv, nTok] 0 / -inf: which cells each token attends to (causal, same sequence)
 * @param maskSwa F32 [nKv, nTok]: the same with the sliding window applied, for the layers that slide;
 *                null when the model has no sliding-window layer
 * @param outIds  I32 [nOut] the batch rows whose logits are wanted
 * @param nTok    tokens in the micro-batch
 * @param nKv     cells attention looks at (one past the highest used cell)
 * @param nOut    logits rows produced
 */
public record ForwardInputs(Tensor tokens, Tensor pos, Tensor cells, Tensor mask, Tensor maskSwa, Tensor outIds,
                            int nTok, int nKv, int nOut) {

    /** Declares the inputs in {@code g} and fills them (no sliding-window mask). */
    public static ForwardInputs create(Graph g, int[] tokens, int[] pos, int[] cells, float[] mask, int[] outIds, int nKv) {
        return create(g, tokens, pos, cells, mask, null, outIds, nKv);
    }

    /** Declares the inputs in {@code g} and fills them; {@code maskSwa} may be null. */
    public static ForwardInputs create(Graph g, int[] tokens, int[] pos, int[] cells, float[] mask, float[] maskSwa,
                                       int[] outIds, int nKv) {
        int nTok = tokens.length;
        Tensor t = g.input("tokens", GgmlType.I32, nTok).setInts(tokens);
        Tensor p = g.input("pos", GgmlType.I32, nTok).setInts(pos);
        Tensor c = g.input("kv_cells", GgmlType.I32, nTok).setInts(cells);
        Tensor m = g.input("kq_mask", GgmlType.F32, nKv, nTok).setFloats(mask);
        Tensor ms = maskSwa == null ? null : g.input("kq_mask_swa", GgmlType.F32, nKv, nTok).setFloats(maskSwa);
        Tensor o = g.input("out_ids", GgmlType.I32, outIds.length).setInts(outIds);
        return new ForwardInputs(t, p, c, m, ms, o, nTok, nKv, outIds.length);
    }

    /**
     * Declares in {@code g} only the inputs one part of a split forward pass reads: the token ids
     * when {@code withTokens} (the part that embeds), the output rows when {@code withOutIds} (the
     * part with the last layer), the masks its layers use (a null mask is not declared); positions and
     * cells always. The fields not declared are null.
     */
    public static ForwardInputs forPart(Graph g, int[] tokens, int[] pos, int[] cells, float[] mask, float[] maskSwa,
                                        int[] outIds, int nKv, boolean withTokens, boolean withOutIds) {
        int nTok = tokens.length;
        Tensor t = withTokens ? g.input("tokens", GgmlType.I32, nTok).setInts(tokens) : null;
        Tensor p = g.input("pos", GgmlType.I32, nTok).setInts(pos);
        Tensor c = g.input("kv_cells", GgmlType.I32, nTok).setInts(cells);
        Tensor m = mask == null ? null : g.input("kq_mask", GgmlType.F32, nKv, nTok).setFloats(mask);
        Tensor ms = maskSwa == null ? null : g.input("kq_mask_swa", GgmlType.F32, nKv, nTok).setFloats(maskSwa);
        Tensor o = withOutIds ? g.input("out_ids", GgmlType.I32, outIds.length).setInts(outIds) : null;
        return new ForwardInputs(t, p, c, m, ms, o, nTok, nKv, outIds.length);
    }

    /** The mask a layer uses: the sliding-window one when {@code swa}. */
    public Tensor mask(boolean swa) {
        if (swa && maskSwa == null) throw new IllegalStateException("a sliding-window layer needs the kq_mask_swa input");
        return swa ? maskSwa : mask;
    }
}
