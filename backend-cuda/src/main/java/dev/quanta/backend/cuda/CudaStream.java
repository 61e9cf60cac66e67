package dev.quanta.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.quanta.backend.cuda.ffm.CudaDriver;
import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.BackendException;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Op;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Runs graphs on one CUDA stream. Intermediates and inputs live in one device arena that grows to
 * the largest graph seen and is reused; kernel arguments are packed in a reusable host scratch.
 */
final class CudaStream implements Stream {
    private static final long ALIGN = 256;
    private final CudaDevice device;
    private final MemorySegment stream;
    private final Arena scratchArena = Arena.ofShared();
    private final MemorySegment argValues = scratchArena.allocate(4096, 16);
    private final MemorySegment argPtrs = scratchArena.allocate(ADDRESS.byteSize() * 32, 16);
    private CudaBuffer arena;
    private Map<Tensor, Long> addr = new IdentityHashMap<>();
    private boolean closed;

    CudaStream(CudaDevice device) {
        this.device = device;
        device.makeCurrent();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            Cuda.check(Cuda.call(() -> (int) CudaDriver.cuStreamCreate.invokeExact(out, 1 /* non-blocking */)), "cuStreamCreate");
            this.stream = out.get(ADDRESS, 0);
        }
    }

    @Override public Device device() { return device; }

    static boolean supported(Tensor n) {
        Tensor a = n.src(0);
        return switch (n.op()) {
            case NONE, VIEW -> true;
            case GET_ROWS, MUL_MAT -> CudaDevice.kernelSuffix(a.type()) != null && a.ne(0) % a.type().blockSize == 0;
            case ADD, MUL, SCALE, RMS_NORM, NORM, ROPE, SOFT_MAX, SILU, GELU, SOFTCAP, SWIGLU, GEGLU, ARGMAX -> true;
            case ATTENTION -> {
                GgmlType kt = n.src(1).type();
                OpParams.Attention p = (OpParams.Attention) n.params();
                yield (kt == GgmlType.F32 || kt == GgmlType.F16 || kt == GgmlType.Q8_0) && kt == n.src(2).type() && p.headDimV() <= 256;
            }
            case SET_ROWS -> a.type() == GgmlType.F32 || a.type() == GgmlType.F16 || a.type() == GgmlType.Q8_0;
            case CPY -> (a.type() == GgmlType.F32 || a.type() == GgmlType.F16) && (n.type() == GgmlType.F32 || n.type() == GgmlType.F16);
        };
    }

    // ---- placement ----------------------------------------------------------------------------

    private static long align(long x) {
        return (x + ALIGN - 1) / ALIGN * ALIGN;
    }

    private long storageAddr(Tensor t) {
        if (!(t.buffer() instanceof CudaBuffer b))
            throw new BackendException("tensor '" + t.name() + "' is not in CUDA memory of " + device.name());
        return b.ptr() + t.offset();
    }

    /** Device address of any tensor of the current graph. */
    private long address(Tensor t) {
        if (t == null) return 0;
        Long a = addr.get(t);
        if (a != null) return a;
        if (t.kind() == Tensor.Kind.STORAGE && t.op() == Op.NONE) return storageAddr(t);
        throw new BackendException("tensor '" + t.name() + "' has no place on " + device.name());
    }

    @Override
    public void compute(Graph graph) {
        device.makeCurrent();
        addr = new IdentityHashMap<>();
        long need = 0;
        Map<Tensor, Long> offsets = new IdentityHashMap<>();
        for (Tensor in : graph.inputs()) {
            offsets.put(in, need);
            need += align(in.contiguousBytes());
        }
        for (Tensor n : graph.nodes()) {
            if (n.op() == Op.VIEW || n.op() == Op.SET_ROWS) continue;
            offsets.put(n, need);
            need += align(n.contiguousBytes());
        }
        need += scratchBytes(graph);
        if (arena == null || arena.size() < need) {
            synchronize();
            if (arena != null) arena.close();
            arena = (CudaBuffer) device.allocate(need + need / 4, "graph arena");
        }
        long base = arena.ptr();
        offsets.forEach((t, off) -> addr.put(t, base + off));
        scratchBase = base + (need - scratchBytes(graph));
        for (Tensor in : graph.inputs()) {
            MemorySegment host = in.hostData();
            long dst = addr.get(in), bytes = in.contiguousBytes();
            Cuda.check(Cuda.call(() -> (int) CudaDriver.cuMemcpyHtoDAsync.invokeExact(dst, host, bytes, stream)), "cuMemcpyHtoDAsync(" + in.name() + ")");
        }
        for (Tensor n : graph.nodes()) run(n);
    }

    private long scratchBase;

    /** Bytes for activation quantization of the largest dp4a MUL_MAT. */
    private static long scratchBytes(Graph g) {
        long max = 0;
        for (Tensor n : g.nodes())
            if (n.op() == Op.MUL_MAT && dp4a(n)) max = Math.max(max, align(n.src(1).nelements()) + align(n.src(1).nelements() / 32 * 4));
        return max;
    }

    private static boolean dp4a(Tensor n) {
        GgmlType t = n.src(0).type();
        return (t == GgmlType.Q4_0 || t == GgmlType.Q8_0) && n.src(1).ne(1) <= 4;
    }

    // ---- launches -----------------------------------------------------------------------------

    private final class Args {
        long off;
        int count;

        Args ptr(long devicePtr) { return i64(devicePtr); }

        Args i64(long v) {
            off = (off + 7) & ~7L;
            argValues.set(JAVA_LONG, off, v);
            return add(8);
        }

        Args i32(int v) {
            off = (off + 3) & ~3L;
            argValues.set(JAVA_INT, off, v);
            return add(4);
        }

        Args f32(float v) {
            off = (off + 3) & ~3L;
            argValues.set(JAVA_FLOAT, off, v);
            return add(4);
        }

        /** struct Shape { long long ne[4]; long long nb[4]; } by value. */
        Args shape(Tensor t) {
            off = (off + 7) & ~7L;
            long start = off;
            for (int i = 0; i < 4; i++) argValues.set(JAVA_LONG, start + 8L * i, t == null ? 1 : t.ne(i));
            for (int i = 0; i < 4; i++) argValues.set(JAVA_LONG, start + 32 + 8L * i, t == null ? 0 : t.nb(i));
            argPtrs.setAtIndex(ADDRESS, count++, argValues.asSlice(start));
            off += 64;
            return this;
        }

        private Args add(int size) {
            argPtrs.setAtIndex(ADDRESS, count++, argValues.asSlice(off));
            off += size;
            return this;
        }

        void launch(String kernel, int gx, int gy, int bx) {
            MemorySegment f = device.function(kernel);
            int r = Cuda.call(() -> (int) CudaDriver.cuLaunchKernel.invokeExact(f, gx, gy, 1, bx, 1, 1, 0, stream, argPtrs, MemorySegment.NULL));
            Cuda.check(r, "cuLaunchKernel(" + kernel + ")");
        }
    }

    private Args args() {
        return new Args();
    }

    private static int rows(Tensor t) {
        return Math.toIntExact(t.nrows());
    }

    private void run(Tensor n) {
        switch (n.op()) {
            case NONE -> { }
            case VIEW -> addr.put(n, address(n.src(0)) + ((OpParams.View) n.params()).offset());
            case GET_ROWS -> args().ptr(address(n.src(0))).shape(n.src(0)).ptr(address(n.src(1))).ptr(address(n))
                    .i32((int) n.ne(0)).launch("get_rows_" + CudaDevice.kernelSuffix(n.src(0).type()), (int) n.ne(1), 1, 128);
            case MUL_MAT -> mulMat(n);
            case ADD, MUL -> args().ptr(address(n.src(0))).shape(n.src(0)).ptr(address(n.src(1))).shape(n.src(1)).ptr(address(n))
                    .i32((int) n.ne(0)).i64(n.nrows()).i32(n.op() == Op.ADD ? 0 : 1).launch("binary_f32", rows(n), 1, 256);
            case SCALE -> unary(n, 0, ((OpParams.Scale) n.params()).scale());
            case SILU -> unary(n, 1, 0f);
            case GELU -> unary(n, 2, 0f);
            case SOFTCAP -> unary(n, 3, ((OpParams.Softcap) n.params()).cap());
            case SWIGLU, GEGLU -> args().ptr(address(n.src(0))).shape(n.src(0)).ptr(address(n.src(1))).shape(n.src(1)).ptr(address(n))
                    .i32((int) n.ne(0)).i32(n.op() == Op.SWIGLU ? 0 : 1).launch("glu_f32", rows(n), 1, 256);
            case RMS_NORM, NORM -> args().ptr(address(n.src(0))).shape(n.src(0)).ptr(address(n.src(1))).ptr(address(n.src(2))).ptr(address(n))
                    .i32((int) n.ne(0)).f32(((OpParams.Eps) n.params()).eps()).i32(n.op() == Op.NORM ? 1 : 0).launch("norm_f32", rows(n), 1, 256);
            case SOFT_MAX -> args().ptr(address(n.src(0))).shape(n.src(0)).ptr(address(n.src(1))).shape(n.src(1)).ptr(address(n))
                    .i32((int) n.ne(0)).f32(((OpParams.SoftMax) n.params()).scale()).launch("soft_max_f32", rows(n), 1, 256);
            case ROPE -> rope(n);
            case ATTENTION -> attention(n);
            case SET_ROWS -> {
                Tensor dst = n.src(0);
                long d = address(dst);
                addr.put(n, d);
                int type = dst.type() == GgmlType.F32 ? 0 : dst.type() == GgmlType.F16 ? 1 : 8;
                args().ptr(d).shape(dst).ptr(address(n.src(1))).shape(n.src(1)).ptr(address(n.src(2))).i32((int) dst.ne(0)).i32(type)
                        .launch("set_rows_f32", rows(n.src(1)), 1, 128);
            }
            case CPY -> args().ptr(address(n.src(0))).shape(n.src(0)).i32(n.src(0).type() == GgmlType.F32 ? 0 : 1).ptr(address(n))
                    .i32((int) n.ne(0)).i32(n.type() == GgmlType.F32 ? 0 : 1).launch("cpy_rows", rows(n), 1, 256);
            case ARGMAX -> args().ptr(address(n.src(0))).shape(n.src(0)).ptr(address(n)).i32((int) n.src(0).ne(0))
                    .launch("argmax_f32", rows(n.src(0)), 1, 256);
        }
    }

    private void unary(Tensor n, int op, float p) {
        args().ptr(address(n.src(0))).shape(n.src(0)).ptr(address(n)).i32((int) n.ne(0)).i32(op).f32(p).launch("unary_f32", rows(n), 1, 256);
    }

    private void mulMat(Tensor n) {
        Tensor w = n.src(0), x = n.src(1);
        int k = (int) w.ne(0), rowsOut = (int) w.ne(1), m = (int) x.nrows();
        String t = CudaDevice.kernelSuffix(w.type());
        int warpsPerBlock = 8;
        int gx = (rowsOut + warpsPerBlock - 1) / warpsPerBlock;
        if (dp4a(n)) {
            long xq = scratchBase, xd = scratchBase + align((long) k * m);
            args().ptr(address(x)).shape(x).ptr(xq).ptr(xd).i32(k).launch("quantize_q8", (k / 32 + 7) / 8, m, 256);
            args().ptr(address(w)).shape(w).ptr(xq).ptr(xd).ptr(address(n)).i32(k).i32(rowsOut).i32(m)
                    .launch("mul_mat_q8_" + t, gx, m, 32 * warpsPerBlock);
        } else {
            args().ptr(address(w)).shape(w).ptr(address(x)).shape(x).ptr(address(n)).i32(k).i32(rowsOut).i32(m)
                    .launch("mul_mat_" + t, gx, (m + 7) / 8, 32 * warpsPerBlock);
        }
    }

    private void rope(Tensor n) {
        OpParams.Rope p = (OpParams.Rope) n.params();
        float[] corr = yarnCorrDims(p);
        args().ptr(address(n.src(0))).shape(n.src(0)).ptr(address(n.src(1))).ptr(address(n.src(2))).ptr(address(n))
                .i32(p.mode() == OpParams.RopeMode.NEOX ? 1 : 0).i32(p.nRot()).f32(p.freqBase()).f32(p.freqScale())
                .f32(p.extFactor()).f32(p.attnFactor()).f32(corr[0]).f32(corr[1])
                .launch("rope_f32", (int) n.ne(1), (int) n.ne(2), 64);
    }

    /** ggml_rope_yarn_corr_dims: the dimension range over which YaRN ramps. */
    static float[] yarnCorrDims(OpParams.Rope p) {
        if (p.extFactor() == 0f || p.nCtxOrig() <= 0) return new float[] {0f, 0f};
        double start = Math.floor(corrDim(p.nRot(), p.nCtxOrig(), p.betaFast(), p.freqBase()));
        double end = Math.ceil(corrDim(p.nRot(), p.nCtxOrig(), p.betaSlow(), p.freqBase()));
        return new float[] {(float) Math.max(0, start), (float) Math.min(p.nRot() - 1, end)};
    }

    private static double corrDim(int nDims, int nCtxOrig, float nRot, float base) {
        return nDims * Math.log(nCtxOrig / (nRot * 2 * Math.PI)) / (2 * Math.log(base));
    }

    private void attention(Tensor n) {
        OpParams.Attention p = (OpParams.Attention) n.params();
        Tensor q = n.src(0), k = n.src(1), v = n.src(2), mask = n.src(3);
        String t = CudaDevice.kernelSuffix(k.type());
        args().ptr(address(q)).shape(q).ptr(address(k)).shape(k).ptr(address(v)).shape(v).ptr(address(mask)).shape(mask).ptr(address(n))
                .i32(p.nHead()).i32(p.nKvHead()).i32(p.headDim()).i32(p.headDimV()).f32(p.scale()).f32(p.softcap())
                .launch("attention_" + t, p.nHead(), (int) q.ne(2), 32);
    }

    @Override
    public void synchronize() {
        device.makeCurrent();
        Cuda.check(Cuda.call(() -> (int) CudaDriver.cuStreamSynchronize.invokeExact(stream)), "cuStreamSynchronize");
    }

    @Override
    public void read(Tensor t, MemorySegment dst) {
        synchronize();
        long src = address(t);
        long rowBytes = t.rowBytes();
        if (t.isContiguous()) {
            long bytes = Math.min(dst.byteSize(), t.contiguousBytes());
            readRaw(src, dst.asSlice(0, bytes));
            return;
        }
        long r = 0;
        for (long i3 = 0; i3 < t.ne(3); i3++)
            for (long i2 = 0; i2 < t.ne(2); i2++)
                for (long i1 = 0; i1 < t.ne(1); i1++, r++)
                    readRaw(src + i1 * t.nb(1) + i2 * t.nb(2) + i3 * t.nb(3), dst.asSlice(r * rowBytes, rowBytes));
    }

    private void readRaw(long src, MemorySegment dst) {
        MemorySegment host = dst.isNative() ? dst : Arena.ofAuto().allocate(dst.byteSize(), 64);
        long bytes = dst.byteSize();
        Cuda.check(Cuda.call(() -> (int) CudaDriver.cuMemcpyDtoH.invokeExact(host, src, bytes)), "cuMemcpyDtoH");
        if (host != dst) MemorySegment.copy(host, 0, dst, 0, bytes);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        device.makeCurrent();
        Cuda.call(() -> (int) CudaDriver.cuStreamSynchronize.invokeExact(stream));
        if (arena != null) arena.close();
        Cuda.call(() -> (int) CudaDriver.cuStreamDestroy.invokeExact(stream));
        scratchArena.close();
    }
}
