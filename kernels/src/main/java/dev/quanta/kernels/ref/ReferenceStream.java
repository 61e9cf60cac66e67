package dev.quanta.kernels.ref;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.BackendException;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Op;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.kernels.quant.QuantCodecs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Runs a {@link Graph} node by node, synchronously, with {@link ReferenceOps}.
 *
 * <p>Where bytes live: a STORAGE leaf in its buffer's host view, an INPUT leaf in its
 * {@link Tensor#hostData()}, each computed node in a fresh contiguous segment of this graph's
 * arena (freed when the next graph runs), a VIEW at its base's bytes plus its offset with its own
 * strides {@code nb}, and a SET_ROWS node at its destination's bytes (it writes in place).
 */
final class ReferenceStream implements Stream {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;

    /** Where a tensor's byte 0 is. Its strides are the tensor's own {@code nb}. */
    private record Place(MemorySegment segment, long offset) {}

    private final ReferenceDevice device;
    private Arena arena;
    private Map<Tensor, Place> places = new IdentityHashMap<>();
    private boolean closed;

    ReferenceStream(ReferenceDevice device) {
        this.device = device;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public synchronized void compute(Graph graph) {
        if (closed) throw new IllegalStateException("reference stream is closed");
        if (arena != null) arena.close();
        arena = Arena.ofShared();
        places = new IdentityHashMap<>();
        for (Tensor node : graph.nodes()) {
            String why = ReferenceDevice.unsupportedReason(node);
            if (why != null) throw new BackendException("reference: cannot run " + node + ": " + why);
            try {
                run(node);
            } catch (BackendException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new BackendException("reference: node " + node + " failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void synchronize() {
        // compute is synchronous
    }

    @Override
    public synchronized void read(Tensor t, MemorySegment dst) {
        if (t.kind() == Tensor.Kind.NODE && !t.isOutput())
            throw new IllegalStateException("tensor '" + t.name() + "' is not marked as output (call markOutput() before compute)");
        Place p = place(t);
        long rowBytes = t.rowBytes();
        long bytes = rowBytes * t.nrows();
        if (dst.byteSize() < bytes)
            throw new IllegalArgumentException("reading '" + t.name() + "' needs " + bytes + " bytes, destination holds " + dst.byteSize());
        long r = 0;
        for (long i3 = 0; i3 < t.ne(3); i3++)
            for (long i2 = 0; i2 < t.ne(2); i2++)
                for (long i1 = 0; i1 < t.ne(1); i1++, r++)
                    MemorySegment.copy(p.segment(), p.offset() + i1 * t.nb(1) + i2 * t.nb(2) + i3 * t.nb(3), dst, r * rowBytes, rowBytes);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (arena != null) arena.close();
        arena = null;
        places = new IdentityHashMap<>();
    }

    // ---- placement ------------------------------------------------------------------------------

    private Place place(Tensor t) {
        Place p = places.get(t);
        if (p != null) return p;
        switch (t.kind()) {
            case STORAGE -> {
                if (t.op() == Op.VIEW) return offsetBy(place(t.src(0)), ((OpParams.View) t.params()).offset());
                MemorySegment host = t.buffer().hostView().orElseThrow(() -> new BackendException(
                        "reference: tensor '" + t.name() + "' lives on " + t.buffer().device().name() + ", which the host cannot read"));
                return new Place(host, t.offset());
            }
            case INPUT -> {
                if (t.op() == Op.VIEW) return offsetBy(place(t.src(0)), ((OpParams.View) t.params()).offset());
                return new Place(t.hostData(), 0);
            }
            default -> throw new IllegalStateException("tensor '" + t.name() + "' was not computed by the last graph on this stream");
        }
    }

    private static Place offsetBy(Place p, long off) {
        return new Place(p.segment(), p.offset() + off);
    }

    private Place allocate(Tensor node) {
        Place p = new Place(arena.allocate(Math.max(1, node.contiguousBytes()), 64), 0);
        places.put(node, p);
        return p;
    }

    // ---- reading and writing tensors ------------------------------------------------------------

    private static int checkedInt(long v, Tensor t) {
        if (v > Integer.MAX_VALUE - 8) throw new BackendException("reference: tensor '" + t.name() + "' is too large (" + v + " elements)");
        return (int) v;
    }

    /** The tensor decoded to F32, rows back to back (strided views gathered). Null for an absent optional source. */
    private float[] floats(Tensor t) {
        if (t == null) return null;
        Place p = place(t);
        int n = checkedInt(t.ne(0), t);
        float[] out = new float[checkedInt(t.nelements(), t)];
        var codec = QuantCodecs.of(t.type());
        int r = 0;
        for (long i3 = 0; i3 < t.ne(3); i3++)
            for (long i2 = 0; i2 < t.ne(2); i2++)
                for (long i1 = 0; i1 < t.ne(1); i1++, r++)
                    codec.dequantizeRow(p.segment(), p.offset() + i1 * t.nb(1) + i2 * t.nb(2) + i3 * t.nb(3), out, r * n, n);
        return out;
    }

    private int[] ints(Tensor t) {
        if (t.type() != GgmlType.I32) throw new BackendException("reference: '" + t.name() + "' must be I32, is " + t.type());
        Place p = place(t);
        int[] out = new int[checkedInt(t.nelements(), t)];
        int r = 0, n = (int) t.ne(0);
        for (long i3 = 0; i3 < t.ne(3); i3++)
            for (long i2 = 0; i2 < t.ne(2); i2++)
                for (long i1 = 0; i1 < t.ne(1); i1++, r++)
                    MemorySegment.copy(p.segment(), I32, p.offset() + i1 * t.nb(1) + i2 * t.nb(2) + i3 * t.nb(3), out, r * n, n);
        return out;
    }

    /** A 2-D tensor (weights, table, KV cache) as {@link Rows}, read in place. */
    private Rows rows(Tensor t) {
        Place p = place(t);
        return new Rows(t.type(), p.segment(), p.offset(), t.nb(1), checkedInt(t.ne(0), t), checkedInt(t.ne(1), t));
    }

    private void store(Tensor node, float[] v) {
        Place p = allocate(node);
        MemorySegment.copy(v, 0, p.segment(), F32, p.offset(), v.length);
    }

    // ---- one node -------------------------------------------------------------------------------

    private void run(Tensor node) {
        Tensor a = node.src(0), b = node.src(1);
        int n = (int) node.ne(0);
        switch (node.op()) {
            case NONE -> { }
            case VIEW -> places.put(node, offsetBy(place(a), ((OpParams.View) node.params()).offset()));
            case GET_ROWS -> {
                float[] out = new float[checkedInt(node.nelements(), node)];
                ReferenceOps.getRows(rows(a), ints(b), out);
                store(node, out);
            }
            case MUL_MAT -> {
                float[] out = new float[checkedInt(node.nelements(), node)];
                ReferenceOps.mulMat(rows(a), floats(b), (int) b.nrows(), out);
                store(node, out);
            }
            case ADD, MUL -> {
                float[] x = floats(a), y = floats(b);
                if (node.op() == Op.ADD) ReferenceOps.add(x, y, n, x);
                else ReferenceOps.mul(x, y, n, x);
                store(node, x);
            }
            case SCALE -> {
                float[] x = floats(a);
                ReferenceOps.scale(x, ((OpParams.Scale) node.params()).scale(), x);
                store(node, x);
            }
            case RMS_NORM -> {
                float[] x = floats(a);
                ReferenceOps.rmsNorm(x, n, floats(b), ((OpParams.Eps) node.params()).eps(), x);
                store(node, x);
            }
            case NORM -> {
                float[] x = floats(a);
                ReferenceOps.norm(x, n, floats(b), floats(node.src(2)), ((OpParams.Eps) node.params()).eps(), x);
                store(node, x);
            }
            case ROPE -> {
                float[] x = floats(a);
                float[] out = new float[x.length];
                ReferenceOps.rope(x, n, (int) a.ne(1), ints(b), floats(node.src(2)), (OpParams.Rope) node.params(), out);
                store(node, out);
            }
            case SOFT_MAX -> {
                float[] x = floats(a);
                ReferenceOps.softMax(x, n, floats(b), ((OpParams.SoftMax) node.params()).scale(), x);
                store(node, x);
            }
            case SILU -> { float[] x = floats(a); ReferenceOps.silu(x, x); store(node, x); }
            case GELU -> { float[] x = floats(a); ReferenceOps.gelu(x, x); store(node, x); }
            case SOFTCAP -> {
                float[] x = floats(a);
                ReferenceOps.softcap(x, ((OpParams.Softcap) node.params()).cap(), x);
                store(node, x);
            }
            case SWIGLU -> { float[] g = floats(a); ReferenceOps.swiglu(g, floats(b), g); store(node, g); }
            case GEGLU -> { float[] g = floats(a); ReferenceOps.geglu(g, floats(b), g); store(node, g); }
            case ATTENTION -> {
                float[] out = new float[checkedInt(node.nelements(), node)];
                ReferenceOps.attention(floats(a), (int) a.ne(2), rows(b), rows(node.src(2)), floats(node.src(3)),
                        (OpParams.Attention) node.params(), out);
                store(node, out);
            }
            case SET_ROWS -> {
                ReferenceOps.setRows(rows(a), floats(b), ints(node.src(2)));
                places.put(node, place(a)); // the node is its destination's new value
            }
            case CPY -> cpy(node, a);
            case ARGMAX -> {
                int[] out = new int[checkedInt(node.nelements(), node)];
                ReferenceOps.argmax(floats(a), (int) a.ne(0), out);
                Place p = allocate(node);
                MemorySegment.copy(out, 0, p.segment(), I32, p.offset(), out.length);
            }
        }
    }

    private void cpy(Tensor node, Tensor src) {
        Place dst = allocate(node);
        if (src.type() == node.type()) { // same type: copy the bytes of each row, exactly
            Place s = place(src);
            long rowBytes = src.rowBytes(), r = 0;
            for (long i3 = 0; i3 < src.ne(3); i3++)
                for (long i2 = 0; i2 < src.ne(2); i2++)
                    for (long i1 = 0; i1 < src.ne(1); i1++, r++)
                        MemorySegment.copy(s.segment(), s.offset() + i1 * src.nb(1) + i2 * src.nb(2) + i3 * src.nb(3),
                                dst.segment(), dst.offset() + r * rowBytes, rowBytes);
            return;
        }
        Rows out = new Rows(node.type(), dst.segment(), dst.offset(), node.nb(1), checkedInt(node.ne(0), node),
                checkedInt(node.nrows(), node));
        ReferenceOps.cpy(floats(src), out);
    }
}
