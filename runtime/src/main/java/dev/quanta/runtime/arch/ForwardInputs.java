package dev.quanta.runtime.arch;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Tensor;

/**
 * The host inputs of one forward graph (one micro-batch), set before compute.
 *
 * @param tokens I32 [nTok] token ids
 * @param pos    I32 [nTok] positions (RoPE)
 * @param cells  I32 [nTok] the KV cells the batch's K/V rows are written to
 * @param mask   F32 [nKv, nTok] 0 / -inf: which cells each token attends to
 * @param outIds I32 [nOut] the batch rows whose logits are wanted
 * @param nTok   tokens in the micro-batch
 * @param nKv    cells attention looks at (one past the highest used cell)
 * @param nOut   logits rows produced
 */
public record ForwardInputs(Tensor tokens, Tensor pos, Tensor cells, Tensor mask, Tensor outIds, int nTok, int nKv, int nOut) {

    /** Declares the inputs in {@code g} and fills them. */
    public static ForwardInputs create(Graph g, int[] tokens, int[] pos, int[] cells, float[] mask, int[] outIds, int nKv) {
        int nTok = tokens.length;
        Tensor t = g.input("tokens", GgmlType.I32, nTok).setInts(tokens);
        Tensor p = g.input("pos", GgmlType.I32, nTok).setInts(pos);
        Tensor c = g.input("kv_cells", GgmlType.I32, nTok).setInts(cells);
        Tensor m = g.input("kq_mask", GgmlType.F32, nKv, nTok).setFloats(mask);
        Tensor o = g.input("out_ids", GgmlType.I32, outIds.length).setInts(outIds);
        return new ForwardInputs(t, p, c, m, o, nTok, nKv, outIds.length);
    }
}
