package dev.quanta.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.quanta.backend.cuda.ffm.CudaDriver;
import dev.quanta.kernels.backend.BackendException;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Op;
import dev.quanta.kernels.graph.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs graphs on one CUDA stream. Intermediates and inputs live in one device arena that grows to
 * the largest graph seen and is reused. {@link CudaPlanner} turns the nodes into kernel launches;
 * those run directly (cuLaunchKernel) or, when the same launch sequence repeats as in the decode
 * loop, as a CUDA graph ({@link CudaGraphs}, -Dquanta.cuda.graphs=false turns that off).
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
    private final CudaGraphs graphs;
    private boolean closed;

    CudaStream(CudaDevice device) {
        this.device = device;
        device.makeCurrent();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            Cuda.check(Cuda.call(() -> (int) CudaDriver.cuStreamCreate.invokeExact(out, 1 /* non-blocking */)), "cuStreamCreate");
            this.stream = out.get(ADDRESS, 0);
        }
        this.graphs = new CudaGraphs(device, stream, Boolean.parseBoolean(System.getProperty("quanta.cuda.graphs", "true")), this::params);
    }

    @Override public Device device() { return device; }

    static boolean supported(Tensor n) {
        return CudaPlanner.supported(n);
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
        return new CudaPlanner(addr, this::storageAddr, 0).address(t);
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
            if (n.op() == Op.VIEW || n.op() == Op.SET_ROWS || n.op() == Op.NONE) continue;
            offsets.put(n, need);
            need += align(n.contiguousBytes());
        }
        long scratchBytes = align(CudaPlanner.scratchBytes(graph.nodes()));
        need += scratchBytes;
        if (arena == null || arena.size() < need) {
            synchronize();
            graphs.reset(); // the recorded launches point into the old arena
            if (arena != null) arena.close();
            arena = (CudaBuffer) device.allocate(need + need / 4, "graph arena");
        }
        long base = arena.ptr();
        offsets.forEach((t, off) -> addr.put(t, base + off));
        CudaPlanner planner = new CudaPlanner(addr, this::storageAddr, base + need - scratchBytes);
        List<CudaLaunch> launches = new ArrayList<>();
        for (Tensor n : graph.nodes()) planner.plan(n, launches);
        for (Tensor in : graph.inputs()) {
            MemorySegment host = in.hostData();
            long dst = addr.get(in), bytes = in.contiguousBytes();
            Cuda.check(Cuda.call(() -> (int) CudaDriver.cuMemcpyHtoDAsync.invokeExact(dst, host, bytes, stream)), "cuMemcpyHtoDAsync(" + in.name() + ")");
        }
        if (!graphs.run(launches)) for (CudaLaunch l : launches) launch(l);
    }

    /** cuLaunchKernel of one planned launch on this stream. */
    private void launch(CudaLaunch l) {
        MemorySegment f = device.function(l.kernel());
        MemorySegment params = params(l);
        int r = Cuda.call(() -> (int) CudaDriver.cuLaunchKernel.invokeExact(f, l.gx(), l.gy(), 1, l.bx(), 1, 1, 0, stream, params, MemorySegment.NULL));
        Cuda.check(r, "cuLaunchKernel(" + l.kernel() + ")");
    }

    /** Copies l's argument bytes to native scratch and returns the kernelParams pointer array. */
    private MemorySegment params(CudaLaunch l) {
        byte[] a = l.args();
        if (a.length > argValues.byteSize() || l.offsets().length > argPtrs.byteSize() / ADDRESS.byteSize())
            throw new BackendException("CUDA " + l.kernel() + ": " + a.length + " argument bytes exceed the launch scratch");
        MemorySegment.copy(a, 0, argValues, JAVA_BYTE, 0, a.length);
        int[] off = l.offsets();
        for (int i = 0; i < off.length; i++) argPtrs.setAtIndex(ADDRESS, i, argValues.asSlice(off[i]));
        return argPtrs;
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
        graphs.close();
        if (arena != null) arena.close();
        Cuda.call(() -> (int) CudaDriver.cuStreamDestroy.invokeExact(stream));
        scratchArena.close();
    }
}
