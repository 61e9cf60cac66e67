package dev.quanta.backend.opencl;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.BackendException;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Op;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs whole graphs on one in-order OpenCL queue. Inputs are uploaded at the start of
 * {@link #compute}; every other node is placed in scratch pages reused between graphs and freed
 * after its last use (outputs are kept until the next graph); storage tensors (weights, KV cache)
 * are used where they live. Nothing is read back unless {@link #read} asks for it.
 *
 * <p>One method per op below; each names its kernel in {@code kernels/opencl/*.cl}.
 */
final class OpenClStream implements Stream {
    /** Work-group size of the row kernels (reductions need a power of two). */
    static final int GROUP = 64;
    /** Activation rows up to which MUL_MAT uses the GEMV kernels ({@code -Dquanta.opencl.gemvMaxRows}, read per stream). */
    private final int gemvMaxRows = Integer.getInteger("quanta.opencl.gemvMaxRows", 4);
    /** GEMV kernels: weight rows per work-group and the most activation rows per launch (MV_ROWS, MV_MAX_M in mul_mat.cl). */
    private static final int MV_ROWS = 4, MV_MAX_M = 4;
    /** {@code -Dquanta.opencl.vectorGemv=false} (read per stream) sends Q4_0/Q8_0 to the generic mul_mat_vec_T. */
    final boolean vectorGemv = !"false".equals(System.getProperty("quanta.opencl.vectorGemv"));

    private final OpenClDevice device;
    private final ClQueue queue;
    private final Map<String, ClKernel> kernels = new HashMap<>();
    private final ScratchAllocator scratch;
    private final int group;
    private final Map<Tensor, ScratchAllocator.Slot> slots = new IdentityHashMap<>();
    private final List<ScratchAllocator.Slot> temps = new ArrayList<>();
    private Graph last;
    private boolean closed;

    /** A place on the device: one cl_mem and a byte offset. */
    record Loc(ClBuffer buf, long off) {
        Loc plus(long d) {
            return new Loc(buf, off + d);
        }
    }

    /** Rows of a source: their start and the byte stride between consecutive rows. */
    record Rows(Loc loc, long nb1) {}

    OpenClStream(OpenClDevice device) {
        this.device = device;
        this.queue = new ClQueue(device.context(), false);
        long max = device.maxAllocation();
        this.scratch = new ScratchAllocator(max, 64L << 20,
                n -> new ClBuffer(device.context(), dev.quanta.backend.opencl.ffm.ClConst.CL_MEM_READ_WRITE, n, MemorySegment.NULL));
        long g = Math.min(GROUP, device.info().maxWorkGroupSize());
        this.group = Integer.highestOneBit((int) Math.max(1, g));
        if (group < 4 * MV_ROWS)
            throw new BackendException("OpenCL device " + device.info().name() + ": work-groups of " + g
                    + " work-items are too small for the kernels (need " + 4 * MV_ROWS + ")");
    }

    long scratchBytes() {
        return scratch.reservedBytes();
    }

    @Override
    public Device device() {
        return device;
    }

    // ---- graph execution ---------------------------------------------------------------------

    @Override
    public void compute(Graph graph) {
        checkOpen();
        slots.clear();
        scratch.reset();
        last = graph;
        List<Tensor> nodes = graph.nodes();
        Map<Tensor, Integer> lastUse = new IdentityHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            Tensor n = nodes.get(i);
            for (int s = 0; s < n.srcCount(); s++) if (n.src(s) != null) lastUse.put(root(n.src(s)), i);
        }
        for (Tensor n : nodes) if (n.isOutput()) lastUse.put(root(n), Integer.MAX_VALUE);
        for (Tensor in : graph.inputs()) if (lastUse.containsKey(in)) upload(in);
        List<List<Tensor>> frees = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) frees.add(new ArrayList<>());
        lastUse.forEach((t, i) -> { if (i != Integer.MAX_VALUE && i < nodes.size()) frees.get(i).add(t); });
        for (int i = 0; i < nodes.size(); i++) {
            Tensor n = nodes.get(i);
            if (n.op() != Op.VIEW && n.op() != Op.NONE) {
                try {
                    run(n);
                } catch (ClException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw new BackendException("OpenCL: node " + i + " " + n + ": " + e.getMessage(), e);
                }
            }
            for (ScratchAllocator.Slot s : temps) scratch.free(s);
            temps.clear();
            for (Tensor t : frees.get(i)) {
                ScratchAllocator.Slot s = slots.remove(t);
                if (s != null) scratch.free(s);
            }
        }
        queue.flush();
    }

    /** The tensor whose memory holds t: through views, and SET_ROWS to its destination. */
    private static Tensor root(Tensor t) {
        while (true) {
            if (t.op() == Op.VIEW || t.op() == Op.SET_ROWS) t = t.src(0);
            else return t;
        }
    }

    private void upload(Tensor in) {
        ScratchAllocator.Slot s = scratch.allocate(in.contiguousBytes(), "input '" + in.name() + "'");
        slots.put(in, s);
        queue.write(s.buffer(), s.offset(), in.hostData().asSlice(0, in.contiguousBytes()));
    }

    /** Bytes from the first to the last byte of t. */
    private static long span(Tensor t) {
        if (t.nelements() == 0) return 0;
        long s = t.rowBytes();
        for (int i = 1; i < Tensor.MAX_DIMS; i++) s += (t.ne(i) - 1) * t.nb(i);
        return s;
    }

    /** Where t's first byte is; {@code write} when a kernel will write it (storage must then lie in one chunk). */
    private Loc locate(Tensor t, boolean write) {
        long off = 0;
        Tensor r = t;
        while (r.op() == Op.VIEW || r.op() == Op.SET_ROWS) {
            if (r.op() == Op.VIEW) off += ((OpParams.View) r.params()).offset();
            r = r.src(0);
        }
        if (r.kind() == Tensor.Kind.STORAGE) {
            if (!(r.buffer() instanceof OpenClBuffer b))
                throw new BackendException("OpenCL: tensor '" + r.name() + "' lives in a buffer of another device ("
                        + r.buffer().device().name() + ")");
            long base = r.offset() + off;
            OpenClBuffer.Region g = write ? b.writableRegion(base, span(t), "tensor '" + t.name() + "'")
                    : b.region(base, span(t), "tensor '" + t.name() + "'", queue);
            return new Loc(g.buffer(), g.offset());
        }
        ScratchAllocator.Slot s = slots.get(r);
        if (s == null && r.kind() == Tensor.Kind.INPUT) {
            upload(r);
            s = slots.get(r);
        }
        if (s == null) throw new IllegalStateException("tensor '" + r.name() + "' has no value on this stream");
        return new Loc(s.buffer(), s.offset() + off);
    }

    private Loc in(Tensor t) {
        return locate(t, false);
    }

    private Loc out(Tensor n) {
        ScratchAllocator.Slot s = scratch.allocate(n.contiguousBytes(), "tensor '" + n.name() + "'");
        slots.put(n, s);
        return new Loc(s.buffer(), s.offset());
    }

    /** Rows of t at a constant stride; a tensor whose rows are not (4-D views) is first copied contiguous. */
    private Rows rows(Tensor t) {
        long nb1 = t.nb(1);
        boolean even = (t.ne(2) == 1 || t.nb(2) == nb1 * t.ne(1)) && (t.ne(3) == 1 || t.nb(3) == nb1 * t.ne(1) * t.ne(2));
        if (t.ne(1) == 1 && t.ne(2) == 1 && t.ne(3) == 1) return new Rows(in(t), t.rowBytes());
        if (even) return new Rows(in(t), nb1);
        ScratchAllocator.Slot s = scratch.allocate(t.contiguousBytes(), "contiguous copy of '" + t.name() + "'");
        temps.add(s);
        Loc dst = new Loc(s.buffer(), s.offset());
        copyRows(t, dst);
        return new Rows(dst, t.rowBytes());
    }

    private void copyRows(Tensor t, Loc dst) {
        Loc src = in(t);
        int rb = (int) t.rowBytes();
        launch("cpy_rows").mem(src).l(t.nb(1)).l(t.nb(2)).l(t.nb(3)).i((int) t.ne(1)).i((int) t.ne(2)).mem(dst).i(rb)
                .run(new long[] {roundUp(rb, GROUP), t.nrows()}, new long[] {GROUP, 1});
    }

    private void run(Tensor n) {
        switch (n.op()) {
            case GET_ROWS -> getRows(n);
            case MUL_MAT -> mulMat(n);
            case ADD, MUL -> binary(n);
            case SCALE, SILU, GELU, SOFTCAP -> unary(n);
            case SWIGLU, GEGLU -> glu(n);
            case RMS_NORM -> rmsNorm(n);
            case NORM -> norm(n);
            case ROPE -> rope(n);
            case SOFT_MAX -> softMax(n);
            case ATTENTION -> attention(n);
            case SET_ROWS -> setRows(n);
            case CPY -> cpy(n);
            case ARGMAX -> argmax(n);
            default -> throw new BackendException("OpenCL: op " + n.op() + " is not implemented");
        }
    }

    // ---- ops ---------------------------------------------------------------------------------

    /** copy.cl get_rows, one launch per piece of a table split over several allocations. */
    private void getRows(Tensor n) {
        Tensor tab = n.src(0), ids = n.src(1);
        if (!device.supports(n)) throw unsupported(n);
        checkIds(ids, tab.ne(1), "GET_ROWS", tab);
        Loc idl = in(ids), y = out(n);
        for (Piece p : pieces(tab)) {
            launch("get_rows").mem(p.loc()).l(p.nb1()).i(tab.type().id).i((int) p.first()).i((int) p.count())
                    .i((int) tab.ne(1)).mem(idl).mem(y).i((int) n.ne(0))
                    .run(new long[] {roundUp(n.ne(0), GROUP), ids.ne(0)}, new long[] {GROUP, 1});
        }
    }

    /** Rows [first, first+count) of a 2-D source at loc, nb1 apart. */
    record Piece(long first, long count, Loc loc, long nb1) {}

    /**
     * The rows of a weight as pieces that each lie in one allocation: one piece unless the tensor is
     * storage in a buffer split over several cl_mem chunks and crosses a boundary.
     */
    private List<Piece> pieces(Tensor t) {
        Tensor r = t;
        long off = 0;
        while (r.op() == Op.VIEW) {
            off += ((OpParams.View) r.params()).offset();
            r = r.src(0);
        }
        if (t.ne(2) * t.ne(3) == 1 && r.kind() == Tensor.Kind.STORAGE && r.buffer() instanceof OpenClBuffer b
                && !b.inOneChunk(r.offset() + off, span(t))) {
            List<Piece> out = new ArrayList<>();
            for (OpenClBuffer.Piece p : b.rowPieces(r.offset() + off, t.rowBytes(), t.nb(1), t.ne(1), "tensor '" + t.name() + "'", queue))
                out.add(new Piece(p.first(), p.count(), new Loc(p.region().buffer(), p.region().offset()), t.nb(1)));
            return out;
        }
        Rows rows = rows(t);
        return List.of(new Piece(0, t.nrows(), rows.loc(), rows.nb1()));
    }

    /**
     * mul_mat.cl: for a few activation rows mul_mat_vec_mr_T (Q4_0, Q8_0) or mul_mat_vec_T (the others),
     * mul_mat_mat (tiled) beyond; one launch per weight piece.
     */
    private void mulMat(Tensor n) {
        Tensor w = n.src(0), x = n.src(1);
        if (!device.supports(n)) throw unsupported(n);
        Rows xr = rows(x);
        int k = (int) w.ne(0), rowsW = (int) w.ne(1), m = (int) x.nrows();
        Loc y = out(n);
        boolean gemv = m <= gemvMaxRows || device.info().maxWorkGroupSize() < 256;
        for (Piece p : pieces(w)) {
            int cnt = (int) p.count(), row0 = (int) p.first();
            if (gemv) {
                String kernel = vectorGemv(w.type()) ? "mul_mat_vec_mr_" + w.type().name().toLowerCase(java.util.Locale.ROOT)
                        : gemvKernel(w.type());
                for (int j0 = 0; j0 < m; j0 += MV_MAX_M) { // the kernels take up to MV_MAX_M activation rows
                    launch(kernel).mem(p.loc()).l(p.nb1()).mem(xr.loc().plus(j0 * xr.nb1())).l(xr.nb1())
                            .mem(y.plus(4L * j0 * rowsW)).i(k).i(cnt).i(Math.min(MV_MAX_M, m - j0)).i(rowsW).i(row0)
                            .local(4L * group).run(new long[] {ceilDiv(cnt, MV_ROWS) * group}, new long[] {group});
                }
            } else {
                launch("mul_mat_mat").mem(p.loc()).l(p.nb1()).i(w.type().id).mem(xr.loc()).l(xr.nb1()).mem(y).i(k).i(cnt).i(m)
                        .i(rowsW).i(row0).run(new long[] {ceilDiv(cnt, 32) * 16L, ceilDiv(m, 32) * 16L}, new long[] {16, 16});
            }
        }
    }

    /** Whether mul_mat_vec_mr_T (vector loads, each block decoded once) serves this GEMV. */
    private boolean vectorGemv(GgmlType t) {
        return vectorGemv && (t == GgmlType.Q4_0 || t == GgmlType.Q8_0);
    }

    /** mul_mat.cl's GEMV kernel of a weight type: mul_mat_vec_q4_K, mul_mat_vec_iq4_xs, ... */
    static String gemvKernel(GgmlType t) {
        return "mul_mat_vec_" + t.name().toLowerCase(java.util.Locale.ROOT).replace("_k", "_K");
    }

    /** elementwise.cl binary_f32. */
    private void binary(Tensor n) {
        Tensor a = n.src(0), b = n.src(1);
        Rows ar = rows(a), br = rows(b);
        launch("binary_f32").mem(ar.loc()).l(ar.nb1()).mem(br.loc()).l(br.nb1()).mem(out(n)).i((int) a.ne(0))
                .i((int) b.nrows()).i(n.op() == Op.ADD ? 0 : 1)
                .run(new long[] {roundUp(a.ne(0), GROUP), a.nrows()}, new long[] {GROUP, 1});
    }

    /** elementwise.cl unary_f32. */
    private void unary(Tensor n) {
        Tensor a = n.src(0);
        int op;
        float p = 0;
        switch (n.op()) {
            case SCALE -> { op = 0; p = ((OpParams.Scale) n.params()).scale(); }
            case SILU -> op = 1;
            case GELU -> op = 2;
            default -> { op = 3; p = ((OpParams.Softcap) n.params()).cap(); }
        }
        Rows ar = rows(a);
        launch("unary_f32").mem(ar.loc()).l(ar.nb1()).mem(out(n)).i((int) a.ne(0)).i(op).f(p)
                .run(new long[] {roundUp(a.ne(0), GROUP), a.nrows()}, new long[] {GROUP, 1});
    }

    /** elementwise.cl glu_f32. */
    private void glu(Tensor n) {
        Tensor g = n.src(0), u = n.src(1);
        Rows gr = rows(g), ur = rows(u);
        launch("glu_f32").mem(gr.loc()).l(gr.nb1()).mem(ur.loc()).l(ur.nb1()).mem(out(n)).i((int) g.ne(0))
                .i(n.op() == Op.SWIGLU ? 0 : 1)
                .run(new long[] {roundUp(g.ne(0), GROUP), g.nrows()}, new long[] {GROUP, 1});
    }

    /** norm.cl rms_norm_f32. */
    private void rmsNorm(Tensor n) {
        Tensor x = n.src(0), w = n.src(1);
        Rows xr = rows(x);
        Loc wl = w == null ? xr.loc() : in(w);
        launch("rms_norm_f32").mem(xr.loc()).l(xr.nb1()).mem(wl).mem(out(n)).i((int) x.ne(0))
                .f(((OpParams.Eps) n.params()).eps()).i(w == null ? 0 : 1).local(4L * group)
                .run(new long[] {x.nrows() * group}, new long[] {group});
    }

    /** norm.cl norm_f32. */
    private void norm(Tensor n) {
        Tensor x = n.src(0), w = n.src(1), b = n.src(2);
        Rows xr = rows(x);
        launch("norm_f32").mem(xr.loc()).l(xr.nb1()).mem(w == null ? xr.loc() : in(w)).mem(b == null ? xr.loc() : in(b))
                .mem(out(n)).i((int) x.ne(0)).f(((OpParams.Eps) n.params()).eps()).i(w == null ? 0 : 1).i(b == null ? 0 : 1)
                .local(4L * group).run(new long[] {x.nrows() * group}, new long[] {group});
    }

    /** rope.cl rope_f32. */
    private void rope(Tensor n) {
        Tensor x = n.src(0), pos = n.src(1), ff = n.src(2);
        OpParams.Rope p = (OpParams.Rope) n.params();
        if (x.ne(3) != 1) throw new BackendException("OpenCL ROPE: 4-D input " + x + " not supported");
        float[] corr = corrDims(p);
        int hd = (int) x.ne(0);
        launch("rope_f32").mem(in(x)).l(x.nb(1)).l(x.nb(2)).mem(in(pos)).mem(ff == null ? in(pos) : in(ff)).mem(out(n))
                .i(hd).i((int) x.ne(1)).i(p.nRot()).i(p.mode() == OpParams.RopeMode.NEOX ? 1 : 0).f(p.freqBase())
                .f(p.freqScale()).f(p.extFactor()).f(p.attnFactor()).f(corr[0]).f(corr[1]).i(ff == null ? 0 : 1)
                .run(new long[] {roundUp(hd / 2, 32), x.ne(1), x.ne(2)}, new long[] {32, 1, 1});
    }

    /** ggml_rope_yarn_corr_dims: the YaRN ramp's first and last dimension. */
    static float[] corrDims(OpParams.Rope p) {
        if (p.extFactor() == 0f || p.nCtxOrig() <= 0) return new float[] {0, 0};
        float start = (float) Math.floor(corrDim(p.nRot(), p.nCtxOrig(), p.betaFast(), p.freqBase()));
        float end = (float) Math.ceil(corrDim(p.nRot(), p.nCtxOrig(), p.betaSlow(), p.freqBase()));
        return new float[] {Math.max(0, start), Math.min(p.nRot() - 1, end)};
    }

    private static float corrDim(int nDims, int nCtxOrig, float nRot, float base) {
        return (float) (nDims * Math.log(nCtxOrig / (nRot * 2 * (float) Math.PI)) / (2 * Math.log(base)));
    }

    /** norm.cl soft_max_f32. */
    private void softMax(Tensor n) {
        Tensor a = n.src(0), mask = n.src(1);
        Rows ar = rows(a);
        Rows mr = mask == null ? ar : rows(mask);
        launch("soft_max_f32").mem(ar.loc()).l(ar.nb1()).mem(mr.loc()).l(mr.nb1()).mem(out(n)).i((int) a.ne(0))
                .f(((OpParams.SoftMax) n.params()).scale()).i(mask == null ? 0 : 1).local(4L * group)
                .run(new long[] {a.nrows() * group}, new long[] {group});
    }

    /** attention.cl attention_f32. */
    private void attention(Tensor n) {
        Tensor q = n.src(0), k = n.src(1), v = n.src(2), mask = n.src(3);
        OpParams.Attention p = (OpParams.Attention) n.params();
        if (!device.supports(n)) throw unsupported(n);
        if (q.ne(3) != 1) throw new BackendException("OpenCL ATTENTION: 4-D q " + q + " not supported");
        Rows kr = rows(k), vr = rows(v), mr = rows(mask);
        launch("attention_f32").mem(in(q)).l(q.nb(1)).l(q.nb(2)).mem(kr.loc()).l(kr.nb1()).i(k.type().id)
                .mem(vr.loc()).l(vr.nb1()).i(v.type().id).mem(mr.loc()).l(mr.nb1()).mem(out(n)).i((int) k.ne(1))
                .i(p.nHead()).i(p.nKvHead()).i(p.headDim()).i(p.headDimV()).f(p.scale()).f(p.softcap())
                .local(4L * p.headDim()).local(4L * 128).local(4L * group)
                .run(new long[] {(long) p.nHead() * group, q.ne(2)}, new long[] {group, 1});
    }

    /** copy.cl set_rows: writes into the destination where it lives. */
    private void setRows(Tensor n) {
        Tensor dst = n.src(0), src = n.src(1), idx = n.src(2);
        if (!device.supports(n)) throw unsupported(n);
        boolean twoD = dst.ne(2) * dst.ne(3) == 1 || dst.isContiguous();
        if (!twoD) throw new BackendException("OpenCL SET_ROWS: destination " + dst + " must be 2-D or contiguous");
        long dstRows = dst.nrows();
        checkIds(idx, dstRows, "SET_ROWS", dst);
        Rows sr = rows(src);
        Loc d = locate(dst, true);
        int ne0 = (int) src.ne(0);
        long items = ne0 / dst.type().blockSize;
        launch("set_rows").mem(sr.loc()).l(sr.nb1()).mem(in(idx)).mem(d).l(dst.nb(1)).i((int) dstRows).i(ne0).i(dst.type().id)
                .run(new long[] {roundUp(items, GROUP), src.nrows()}, new long[] {GROUP, 1});
    }

    /** copy.cl cpy_rows / cpy_to_f32 / cpy_from_f32. */
    private void cpy(Tensor n) {
        Tensor s = n.src(0);
        if (!device.supports(n)) throw unsupported(n);
        Loc y = out(n);
        if (s.type() == n.type()) {
            copyRows(s, y);
            return;
        }
        int ne0 = (int) s.ne(0);
        if (n.type() == GgmlType.F32) {
            launch("cpy_to_f32").mem(in(s)).l(s.nb(1)).l(s.nb(2)).l(s.nb(3)).i((int) s.ne(1)).i((int) s.ne(2)).i(s.type().id)
                    .mem(y).i(ne0).run(new long[] {roundUp(ne0, GROUP), s.nrows()}, new long[] {GROUP, 1});
        } else {
            long items = ne0 / n.type().blockSize;
            launch("cpy_from_f32").mem(in(s)).l(s.nb(1)).l(s.nb(2)).l(s.nb(3)).i((int) s.ne(1)).i((int) s.ne(2)).mem(y).i(ne0)
                    .i(n.type().id).l(n.rowBytes())
                    .run(new long[] {roundUp(items, GROUP), s.nrows()}, new long[] {GROUP, 1});
        }
    }

    /** norm.cl argmax_f32. */
    private void argmax(Tensor n) {
        Tensor a = n.src(0);
        Rows ar = rows(a);
        launch("argmax_f32").mem(ar.loc()).l(ar.nb1()).mem(out(n)).i((int) a.ne(0)).local(4L * group).local(4L * group)
                .run(new long[] {a.nrows() * group}, new long[] {group});
    }

    /** Ids that come from the host are checked here: a kernel cannot report a bad index. */
    private static void checkIds(Tensor ids, long rows, String op, Tensor table) {
        Tensor r = ids;
        long off = 0;
        while (r.op() == Op.VIEW) {
            off += ((OpParams.View) r.params()).offset();
            r = r.src(0);
        }
        if (r.kind() != Tensor.Kind.INPUT) return;
        MemorySegment h = r.hostData();
        for (long j = 0; j < ids.ne(0); j++) {
            int id = h.get(ValueLayout.JAVA_INT_UNALIGNED, off + j * ids.nb(0));
            if (id < 0 || id >= rows)
                throw new IllegalArgumentException(op + ": index " + id + " at position " + j + " of '" + ids.name()
                        + "' is outside '" + table.name() + "' (" + rows + " rows)");
        }
    }

    private static BackendException unsupported(Tensor n) {
        StringBuilder sb = new StringBuilder("OpenCL backend does not support " + n.op() + " with ");
        for (int i = 0; i < n.srcCount(); i++) if (n.src(i) != null) sb.append(i == 0 ? "" : ", ").append(n.src(i));
        return new BackendException(sb.append(" -> ").append(n.type()).toString());
    }

    private static long roundUp(long v, long m) {
        return Math.max(m, (v + m - 1) / m * m);
    }

    private static long ceilDiv(long v, long d) {
        return Math.max(1, (v + d - 1) / d);
    }

    // ---- launching ---------------------------------------------------------------------------

    private Launch launch(String name) {
        ClKernel k = kernels.computeIfAbsent(name, nm -> new ClKernel(device.program(), nm));
        return new Launch(k);
    }

    /** Sets a kernel's arguments in order; a tensor is two arguments (cl_mem, byte offset). */
    private final class Launch {
        private final ClKernel k;
        private int i;

        Launch(ClKernel k) {
            this.k = k;
        }

        Launch mem(Loc l) {
            k.arg(i++, l.buf());
            k.arg(i++, l.off());
            return this;
        }

        Launch i(int v) {
            k.arg(i++, v);
            return this;
        }

        Launch l(long v) {
            k.arg(i++, v);
            return this;
        }

        Launch f(float v) {
            k.arg(i++, v);
            return this;
        }

        Launch local(long bytes) {
            k.local(i++, bytes);
            return this;
        }

        void run(long[] global, long[] local) {
            for (long g : global) if (g == 0) return; // empty tensor: nothing to do
            queue.launch(k, global, local);
        }
    }

    // ---- results -----------------------------------------------------------------------------

    @Override
    public void synchronize() {
        checkOpen();
        queue.finish();
    }

    @Override
    public void read(Tensor t, MemorySegment dst) {
        checkOpen();
        Tensor r = root(t);
        if (r.kind() != Tensor.Kind.STORAGE && !slots.containsKey(r))
            throw new IllegalStateException("tensor '" + t.name() + "' is not an output of the last computed graph"
                    + " (mark it with markOutput())");
        long need = t.contiguousBytes();
        if (dst.byteSize() < need)
            throw new IllegalArgumentException("read of '" + t.name() + "' needs " + need + " bytes, got " + dst.byteSize());
        Loc l = in(t);
        if (t.isContiguous()) {
            queue.read(l.buf(), l.off(), dst.asSlice(0, need));
            return;
        }
        long rb = t.rowBytes();
        long row = 0;
        for (long i3 = 0; i3 < t.ne(3); i3++)
            for (long i2 = 0; i2 < t.ne(2); i2++)
                for (long i1 = 0; i1 < t.ne(1); i1++, row++)
                    queue.read(l.buf(), l.off() + i1 * t.nb(1) + i2 * t.nb(2) + i3 * t.nb(3), dst.asSlice(row * rb, rb));
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("OpenCL stream is closed");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            queue.close();
        } finally {
            kernels.values().forEach(ClKernel::close);
            kernels.clear();
            scratch.close();
            device.forget(this);
        }
    }
}
