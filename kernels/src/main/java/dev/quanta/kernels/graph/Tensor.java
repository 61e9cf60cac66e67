package dev.quanta.kernels.graph;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.DeviceBuffer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A tensor description in ggml's vocabulary: type, shape {@code ne[4]} (ne[0] innermost), byte
 * strides {@code nb[4]}, and either storage (a leaf bound to a {@link DeviceBuffer}), host data (a
 * graph input), or the op that computes it from {@code src}.
 */
public final class Tensor {
    /** What a tensor is, for the backend that runs it. */
    public enum Kind {
        /** Bound to a buffer that outlives the graph: weights, KV cache. */
        STORAGE,
        /** Host data set before each compute: token ids, positions, masks. */
        INPUT,
        /** Computed by a node of the graph; the backend places it. */
        NODE
    }

    public static final int MAX_DIMS = 4;

    private final String name;
    private final GgmlType type;
    private final long[] ne;
    private final long[] nb;
    private final Kind kind;
    private final Op op;
    private final Tensor[] src;
    private final OpParams params;
    private final DeviceBuffer buffer;
    private final long offset;
    private MemorySegment hostData;
    private boolean output;
    int index = -1; // position in its graph, set by Graph

    private Tensor(String name, GgmlType type, long[] ne, long[] nb, Kind kind, Op op, Tensor[] src,
                   OpParams params, DeviceBuffer buffer, long offset) {
        this.name = name;
        this.type = type;
        this.ne = ne;
        this.nb = nb;
        this.kind = kind;
        this.op = op;
        this.src = src;
        this.params = params;
        this.buffer = buffer;
        this.offset = offset;
    }

    /** A leaf whose bytes live in {@code buffer} at {@code offset}, stored contiguously. */
    public static Tensor storage(String name, GgmlType type, DeviceBuffer buffer, long offset, long... ne) {
        long[] n = dims(ne);
        long[] b = contiguousStrides(type, n);
        long bytes = b[3] * n[3];
        if (offset < 0 || offset + bytes > buffer.size())
            throw new IllegalArgumentException("tensor '" + name + "' (" + bytes + " bytes at offset " + offset
                    + ") does not fit its buffer of " + buffer.size() + " bytes");
        return new Tensor(name, type, n, b, Kind.STORAGE, Op.NONE, new Tensor[0], null, buffer, offset);
    }

    /** A host input leaf; fill {@link #hostData()} (or use the setters) before each compute. */
    public static Tensor input(String name, GgmlType type, long... ne) {
        long[] n = dims(ne);
        long[] b = contiguousStrides(type, n);
        Tensor t = new Tensor(name, type, n, b, Kind.INPUT, Op.NONE, new Tensor[0], null, null, 0);
        t.hostData = Arena.ofAuto().allocate(Math.max(1, b[3] * n[3]), 64);
        return t;
    }

    /** A node computed by {@code op}; contiguous result. Use the {@link Graph} builder methods. */
    static Tensor node(String name, GgmlType type, Op op, OpParams params, Tensor[] src, long... ne) {
        long[] n = dims(ne);
        return new Tensor(name, type, n, contiguousStrides(type, n), Kind.NODE, op, src, params, null, 0);
    }

    /** A view node: same bytes as {@code base}, its own shape and strides. */
    static Tensor view(String name, Tensor base, long[] ne, long[] nb, long offset) {
        long[] n = dims(ne);
        long[] b = Arrays.copyOf(nb, MAX_DIMS);
        for (int i = nb.length; i < MAX_DIMS; i++) b[i] = b[i - 1] * n[i - 1];
        return new Tensor(name, base.type, n, b, base.kind == Kind.NODE ? Kind.NODE : base.kind, Op.VIEW,
                new Tensor[] {base}, new OpParams.View(n.clone(), b.clone(), offset), base.buffer, base.offset + offset);
    }

    static long[] dims(long... ne) {
        if (ne.length < 1 || ne.length > MAX_DIMS) throw new IllegalArgumentException("a tensor has 1 to 4 dims, got " + ne.length);
        long[] n = new long[MAX_DIMS];
        Arrays.fill(n, 1);
        for (int i = 0; i < ne.length; i++) {
            if (ne[i] < 0) throw new IllegalArgumentException("negative dimension " + ne[i]);
            n[i] = ne[i];
        }
        return n;
    }

    public static long[] contiguousStrides(GgmlType type, long[] ne) {
        long[] nb = new long[MAX_DIMS];
        nb[0] = type.typeSize;
        nb[1] = type.rowBytes(ne[0]);
        for (int i = 2; i < MAX_DIMS; i++) nb[i] = nb[i - 1] * ne[i - 1];
        return nb;
    }

    public String name() { return name; }
    public GgmlType type() { return type; }
    public long ne(int i) { return ne[i]; }
    public long nb(int i) { return nb[i]; }
    public long[] ne() { return ne.clone(); }
    public long[] nb() { return nb.clone(); }
    public Kind kind() { return kind; }
    public Op op() { return op; }
    public OpParams params() { return params; }
    public int srcCount() { return src.length; }
    /** Source i, or null when an optional source is absent. */
    public Tensor src(int i) { return i < src.length ? src[i] : null; }
    /** Storage of a STORAGE leaf or of a view of one; null otherwise. */
    public DeviceBuffer buffer() { return buffer; }
    /** Byte offset in {@link #buffer()}. */
    public long offset() { return offset; }
    /** Host bytes of an INPUT leaf; null for other kinds. */
    public MemorySegment hostData() { return hostData; }
    public boolean isOutput() { return output; }
    /** Index in the graph that holds this node, or -1. */
    public int index() { return index; }

    /** The tensor viewed by this VIEW chain, with the total byte offset from its start. */
    public Tensor viewRoot() {
        Tensor t = this;
        while (t.op == Op.VIEW) t = t.src[0];
        return t;
    }

    /** Byte offset of this view from the start of {@link #viewRoot()}. */
    public long viewOffset() {
        long off = 0;
        for (Tensor t = this; t.op == Op.VIEW; t = t.src[0]) off += ((OpParams.View) t.params).offset();
        return off;
    }

    /** Marks this node as an output: its value can be read after compute. */
    public Tensor markOutput() {
        this.output = true;
        return this;
    }

    public long nelements() { return ne[0] * ne[1] * ne[2] * ne[3]; }
    public long nrows() { return ne[1] * ne[2] * ne[3]; }
    /** Bytes of one row of ne[0] elements. */
    public long rowBytes() { return type.rowBytes(ne[0]); }
    /** Bytes spanned when contiguous. */
    public long contiguousBytes() { return type.rowBytes(ne[0]) * ne[1] * ne[2] * ne[3]; }

    public boolean isContiguous() {
        long[] c = contiguousStrides(type, ne);
        for (int i = 1; i < MAX_DIMS; i++) if (ne[i] > 1 && nb[i] != c[i]) return false;
        return true;
    }

    public Tensor setInts(int... v) {
        requireInput(GgmlType.I32, v.length);
        MemorySegment.copy(v, 0, hostData, ValueLayout.JAVA_INT_UNALIGNED, 0, v.length);
        return this;
    }

    public Tensor setFloats(float... v) {
        requireInput(GgmlType.F32, v.length);
        MemorySegment.copy(v, 0, hostData, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, v.length);
        return this;
    }

    private void requireInput(GgmlType t, int n) {
        if (kind != Kind.INPUT) throw new IllegalStateException("tensor '" + name + "' is not an input");
        if (type != t) throw new IllegalArgumentException("input '" + name + "' is " + type + ", not " + t);
        if (n > nelements()) throw new IllegalArgumentException("input '" + name + "' holds " + nelements() + " values, got " + n);
    }

    public String shapeString() {
        StringBuilder sb = new StringBuilder("[");
        int last = MAX_DIMS - 1;
        while (last > 0 && ne[last] == 1) last--;
        for (int i = 0; i <= last; i++) sb.append(i == 0 ? "" : ", ").append(ne[i]);
        return sb.append(']').toString();
    }

    @Override
    public String toString() {
        return name + " " + type + shapeString() + (op == Op.NONE ? "" : " = " + op);
    }
}
