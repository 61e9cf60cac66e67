package dev.quanta.kernels.graph;

import dev.quanta.kernels.GgmlType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A computation graph: nodes in the order they run. Builder methods check shapes and name the
 * tensors in their errors; a backend runs the whole graph with {@code Stream.compute(graph)}.
 *
 * <pre>{@code
 * Graph g = new Graph();
 * Tensor ids = g.input("ids", GgmlType.I32, nTok);
 * Tensor x   = g.getRows(tokEmbd, ids);                 // [dim, nTok]
 * Tensor h   = g.rmsNorm(x, attnNorm, 1e-5f);           // [dim, nTok]
 * Tensor q   = g.mulMat(wq, h);                         // [dim, nTok]
 * }</pre>
 */
public final class Graph {
    private final List<Tensor> nodes = new ArrayList<>();
    private final List<Tensor> inputs = new ArrayList<>();

    /** The computed nodes (views included) in execution order. */
    public List<Tensor> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    /** The host inputs created through {@link #input}. */
    public List<Tensor> inputs() {
        return Collections.unmodifiableList(inputs);
    }

    public Tensor input(String name, GgmlType type, long... ne) {
        Tensor t = Tensor.input(name, type, ne);
        inputs.add(t);
        return t;
    }

    private Tensor add(Tensor t) {
        t.index = nodes.size();
        nodes.add(t);
        return t;
    }

    private static IllegalArgumentException bad(Op op, String msg, Tensor... ts) {
        StringBuilder sb = new StringBuilder(op + ": " + msg + " (");
        for (int i = 0; i < ts.length; i++) sb.append(i == 0 ? "" : ", ").append(ts[i]);
        return new IllegalArgumentException(sb.append(')').toString());
    }

    private static void requireF32(Op op, Tensor... ts) {
        for (Tensor t : ts) if (t != null && t.type() != GgmlType.F32) throw bad(op, "expects F32 activations", t);
    }

    // ---- views -------------------------------------------------------------------------------

    public Tensor view(String name, Tensor base, long[] ne, long[] nb, long offset) {
        return add(Tensor.view(name, base, ne, nb, offset));
    }

    /** Same bytes, new shape; the base must be contiguous and the element count equal. */
    public Tensor reshape(Tensor base, long... ne) {
        long[] n = Tensor.dims(ne);
        if (n[0] * n[1] * n[2] * n[3] != base.nelements()) throw bad(Op.VIEW, "reshape changes the element count", base);
        if (!base.isContiguous()) throw bad(Op.VIEW, "reshape needs a contiguous tensor", base);
        return add(Tensor.view(base.name(), base, n, Tensor.contiguousStrides(base.type(), n), 0));
    }

    /** Columns [first, first+count) of every row of a 2-D tensor: a strided view (e.g. Q of a fused QKV). */
    public Tensor cols(Tensor base, long first, long count) {
        if (first < 0 || first + count > base.ne(0)) throw bad(Op.VIEW, "columns " + first + "+" + count + " out of range", base);
        long off = base.type().rowBytes(first);
        return add(Tensor.view(base.name() + ".cols", base, new long[] {count, base.ne(1), base.ne(2), base.ne(3)},
                new long[] {base.nb(0), base.nb(1), base.nb(2), base.nb(3)}, off));
    }

    /** Rows [first, first+count) of a 2-D tensor. */
    public Tensor rows(Tensor base, long first, long count) {
        if (first < 0 || first + count > base.ne(1)) throw bad(Op.VIEW, "rows " + first + "+" + count + " out of range", base);
        return add(Tensor.view(base.name() + ".rows", base, new long[] {base.ne(0), count, base.ne(2), base.ne(3)},
                base.nb(), first * base.nb(1)));
    }

    // ---- ops ---------------------------------------------------------------------------------

    public Tensor getRows(Tensor table, Tensor ids) {
        if (ids.type() != GgmlType.I32) throw bad(Op.GET_ROWS, "ids must be I32", ids);
        return add(Tensor.node(table.name() + "[ids]", GgmlType.F32, Op.GET_ROWS, null, new Tensor[] {table, ids},
                table.ne(0), ids.ne(0)));
    }

    public Tensor mulMat(Tensor w, Tensor x) {
        requireF32(Op.MUL_MAT, x);
        if (w.ne(0) != x.ne(0)) throw bad(Op.MUL_MAT, "inner dimensions differ", w, x);
        if (w.ne(2) != 1 || w.ne(3) != 1) throw bad(Op.MUL_MAT, "weights must be 2-D", w);
        return add(Tensor.node(w.name() + "*x", GgmlType.F32, Op.MUL_MAT, null, new Tensor[] {w, x},
                w.ne(1), x.nrows()));
    }

    private Tensor binary(Op op, Tensor a, Tensor b) {
        requireF32(op, a, b);
        if (a.ne(0) != b.ne(0) || (b.nrows() != 1 && b.nrows() != a.nrows()))
            throw bad(op, "shapes do not broadcast", a, b);
        return add(Tensor.node(a.name() + (op == Op.ADD ? "+" : "*") + b.name(), GgmlType.F32, op, null,
                new Tensor[] {a, b}, a.ne()));
    }

    public Tensor add(Tensor a, Tensor b) { return binary(Op.ADD, a, b); }

    public Tensor mul(Tensor a, Tensor b) { return binary(Op.MUL, a, b); }

    public Tensor scale(Tensor a, float s) {
        requireF32(Op.SCALE, a);
        return add(Tensor.node(a.name() + "*s", GgmlType.F32, Op.SCALE, new OpParams.Scale(s), new Tensor[] {a}, a.ne()));
    }

    /** RMS norm of each row, times {@code weight} when not null. */
    public Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        requireF32(Op.RMS_NORM, x);
        if (weight != null && weight.ne(0) != x.ne(0)) throw bad(Op.RMS_NORM, "weight length differs from rows", x, weight);
        if (weight != null) requireF32(Op.RMS_NORM, weight);
        Tensor[] src = weight == null ? new Tensor[] {x} : new Tensor[] {x, weight};
        return add(Tensor.node("norm(" + x.name() + ")", GgmlType.F32, Op.RMS_NORM, new OpParams.Eps(eps), src, x.ne()));
    }

    /** Layer norm of each row, times weight and plus bias when not null. */
    public Tensor norm(Tensor x, Tensor weight, Tensor bias, float eps) {
        requireF32(Op.NORM, x, weight, bias);
        return add(Tensor.node("lnorm(" + x.name() + ")", GgmlType.F32, Op.NORM, new OpParams.Eps(eps),
                new Tensor[] {x, weight, bias}, x.ne()));
    }

    /** RoPE on x[headDim, nHead, nTok] with positions I32[nTok] and optional freq factors F32[nRot/2]. */
    public Tensor rope(Tensor x, Tensor pos, Tensor freqFactors, OpParams.Rope p) {
        requireF32(Op.ROPE, x);
        if (pos.type() != GgmlType.I32 || pos.ne(0) != x.ne(2)) throw bad(Op.ROPE, "positions must be I32[nTok]", x, pos);
        if (p.nRot() > x.ne(0) || p.nRot() % 2 != 0) throw bad(Op.ROPE, "nRot " + p.nRot() + " invalid for head size", x);
        if (freqFactors != null && freqFactors.ne(0) < p.nRot() / 2) throw bad(Op.ROPE, "freq factors shorter than nRot/2", freqFactors);
        return add(Tensor.node("rope(" + x.name() + ")", GgmlType.F32, Op.ROPE, p, new Tensor[] {x, pos, freqFactors}, x.ne()));
    }

    public Tensor softMax(Tensor a, Tensor mask, float scale) {
        requireF32(Op.SOFT_MAX, a, mask);
        if (mask != null && (mask.ne(0) != a.ne(0) || mask.nrows() < a.nrows())) throw bad(Op.SOFT_MAX, "mask shape", a, mask);
        return add(Tensor.node("softmax(" + a.name() + ")", GgmlType.F32, Op.SOFT_MAX, new OpParams.SoftMax(scale),
                new Tensor[] {a, mask}, a.ne()));
    }

    private Tensor unary(Op op, Tensor a, OpParams p) {
        requireF32(op, a);
        return add(Tensor.node(op.name().toLowerCase() + "(" + a.name() + ")", GgmlType.F32, op, p, new Tensor[] {a}, a.ne()));
    }

    public Tensor silu(Tensor a) { return unary(Op.SILU, a, null); }

    public Tensor gelu(Tensor a) { return unary(Op.GELU, a, null); }

    public Tensor softcap(Tensor a, float cap) { return unary(Op.SOFTCAP, a, new OpParams.Softcap(cap)); }

    private Tensor glu(Op op, Tensor gate, Tensor up) {
        requireF32(op, gate, up);
        if (gate.ne(0) != up.ne(0) || gate.nrows() != up.nrows()) throw bad(op, "gate and up differ in shape", gate, up);
        return add(Tensor.node(op.name().toLowerCase(), GgmlType.F32, op, null, new Tensor[] {gate, up}, gate.ne()));
    }

    public Tensor swiglu(Tensor gate, Tensor up) { return glu(Op.SWIGLU, gate, up); }

    public Tensor geglu(Tensor gate, Tensor up) { return glu(Op.GEGLU, gate, up); }

    /** Fused attention; see {@link Op#ATTENTION}. q is [headDim, nHead, nTok]; k/v are cache views [rowLen, nKv]. */
    public Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, OpParams.Attention p) {
        requireF32(Op.ATTENTION, q, mask);
        if (q.ne(0) != p.headDim() || q.ne(1) != p.nHead()) throw bad(Op.ATTENTION, "q must be [headDim, nHead, nTok]", q);
        if (p.nKvHead() <= 0 || p.nHead() % p.nKvHead() != 0) throw bad(Op.ATTENTION, "nHead not a multiple of nKvHead", q);
        if (k.ne(0) != (long) p.headDim() * p.nKvHead()) throw bad(Op.ATTENTION, "k rows must be headDim*nKvHead", k);
        if (v.ne(0) != (long) p.headDimV() * p.nKvHead()) throw bad(Op.ATTENTION, "v rows must be headDimV*nKvHead", v);
        if (k.ne(1) != v.ne(1)) throw bad(Op.ATTENTION, "k and v hold different cell counts", k, v);
        if (mask.ne(0) != k.ne(1) || mask.ne(1) < q.ne(2)) throw bad(Op.ATTENTION, "mask must be [nKv, nTok]", mask, k, q);
        return add(Tensor.node("attn", GgmlType.F32, Op.ATTENTION, p, new Tensor[] {q, k, v, mask},
                (long) p.headDimV() * p.nHead(), q.ne(2)));
    }

    /** Writes the rows of src into dst at rows idx (converting to dst's type); returns dst's new value. */
    public Tensor setRows(Tensor dst, Tensor src, Tensor idx) {
        requireF32(Op.SET_ROWS, src);
        if (idx.type() != GgmlType.I32 || idx.ne(0) != src.nrows()) throw bad(Op.SET_ROWS, "idx must be I32[rows of src]", src, idx);
        if (dst.ne(0) != src.ne(0)) throw bad(Op.SET_ROWS, "row lengths differ", dst, src);
        Tensor t = Tensor.node(dst.name(), dst.type(), Op.SET_ROWS, null, new Tensor[] {dst, src, idx}, dst.ne());
        return add(t);
    }

    /** A contiguous copy of src converted to {@code type}. */
    public Tensor cpy(Tensor src, GgmlType type) {
        return add(Tensor.node("cpy(" + src.name() + ")", type, Op.CPY, null, new Tensor[] {src}, src.ne()));
    }

    public Tensor argmax(Tensor a) {
        requireF32(Op.ARGMAX, a);
        return add(Tensor.node("argmax(" + a.name() + ")", GgmlType.I32, Op.ARGMAX, null, new Tensor[] {a}, a.nrows()));
    }
}
