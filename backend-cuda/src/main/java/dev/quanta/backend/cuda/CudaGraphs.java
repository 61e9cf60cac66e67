package dev.quanta.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.quanta.backend.cuda.ffm.CudaDriver;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.util.List;
import java.util.function.Function;

/**
 * CUDA graphs for the decode loop. The runtime rebuilds an identical graph every token; what
 * changes between tokens are argument values (the KV window grows, so shapes in the arguments
 * change) while the sequence of kernels, grids and blocks stays the same. So the key of a recorded
 * graph is that sequence ({@link CudaLaunch#sameShape}); on a hit, the kernel nodes whose arguments
 * changed get them with cuGraphExecKernelNodeSetParams and the whole step runs as one cuGraphLaunch.
 *
 * <p>A sequence is recorded the second time in a row it is seen (a one-off prompt batch keeps its
 * direct launches). The graph is built node by node (cuGraphAddKernelNode, each depending on the
 * previous: the stream order) rather than by stream capture, so this class holds the node handle of
 * every launch, in order, for the parameter updates. Any driver error switches graphs off for this
 * stream and the caller falls back to direct launches, silently apart from one line on stderr.
 */
final class CudaGraphs {
    /** CUDA_KERNEL_NODE_PARAMS_v2 of cuda.h (72 bytes on 64-bit hosts). */
    static final StructLayout KERNEL_NODE_PARAMS = MemoryLayout.structLayout(
            ADDRESS.withName("func"),
            JAVA_INT.withName("gridDimX"), JAVA_INT.withName("gridDimY"), JAVA_INT.withName("gridDimZ"),
            JAVA_INT.withName("blockDimX"), JAVA_INT.withName("blockDimY"), JAVA_INT.withName("blockDimZ"),
            JAVA_INT.withName("sharedMemBytes"), MemoryLayout.paddingLayout(4),
            ADDRESS.withName("kernelParams"), ADDRESS.withName("extra"),
            ADDRESS.withName("kern"), ADDRESS.withName("ctx"));

    private final CudaDevice device;
    private final MemorySegment stream;
    private final boolean enabled;
    private final Function<CudaLaunch, MemorySegment> params;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment nodeParams = arena.allocate(KERNEL_NODE_PARAMS);
    private boolean broken;
    private List<CudaLaunch> previous;
    private List<CudaLaunch> recorded;
    private MemorySegment graph = MemorySegment.NULL, exec = MemorySegment.NULL;
    private MemorySegment[] nodes;

    /** params: packs a launch's arguments and returns its kernelParams array (valid until the next call). */
    CudaGraphs(CudaDevice device, MemorySegment stream, boolean enabled, Function<CudaLaunch, MemorySegment> params) {
        this.device = device;
        this.stream = stream;
        this.enabled = enabled;
        this.params = params;
    }

    /** Whether two launch sequences are the same kernels, grids and blocks, in the same order. */
    static boolean sameShape(List<CudaLaunch> a, List<CudaLaunch> b) {
        if (a == null || b == null || a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) if (!a.get(i).sameShape(b.get(i))) return false;
        return true;
    }

    /** Fills a CUDA_KERNEL_NODE_PARAMS_v2 for launch l of function f with the given kernelParams. */
    static void fill(MemorySegment s, MemorySegment f, CudaLaunch l, MemorySegment kernelParams) {
        s.fill((byte) 0);
        s.set(ADDRESS, 0, f);
        s.set(JAVA_INT, 8, l.gx());
        s.set(JAVA_INT, 12, l.gy());
        s.set(JAVA_INT, 16, 1);
        s.set(JAVA_INT, 20, l.bx());
        s.set(JAVA_INT, 24, 1);
        s.set(JAVA_INT, 28, 1);
        s.set(JAVA_INT, 32, 0);
        s.set(ADDRESS, 40, kernelParams);
    }

    /** Runs the launches as a CUDA graph on the stream; false when the caller must launch them directly. */
    boolean run(List<CudaLaunch> launches) {
        if (!enabled || broken || launches.isEmpty()) return false;
        try {
            if (!exec.equals(MemorySegment.NULL) && sameShape(recorded, launches)) {
                for (int i = 0; i < launches.size(); i++) {
                    CudaLaunch l = launches.get(i);
                    if (l.sameArgs(recorded.get(i))) continue;
                    fill(nodeParams, device.function(l.kernel()), l, params.apply(l));
                    MemorySegment node = nodes[i];
                    Cuda.check(Cuda.call(() -> (int) CudaDriver.cuGraphExecKernelNodeSetParams.invokeExact(exec, node, nodeParams)),
                            "cuGraphExecKernelNodeSetParams(" + l.kernel() + ")");
                }
                recorded = launches;
                launch();
                return true;
            }
            if (sameShape(previous, launches)) {
                record(launches);
                launch();
                return true;
            }
            previous = launches;
            return false;
        } catch (RuntimeException e) {
            broken = true;
            reset();
            System.err.println("quanta cuda: CUDA graphs off for this stream, direct launches from now on (" + e.getMessage() + ")");
            return false;
        }
    }

    private void record(List<CudaLaunch> launches) {
        reset();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            Cuda.check(Cuda.call(() -> (int) CudaDriver.cuGraphCreate.invokeExact(out, 0)), "cuGraphCreate");
            graph = out.get(ADDRESS, 0);
            nodes = new MemorySegment[launches.size()];
            MemorySegment dep = a.allocate(ADDRESS);
            for (int i = 0; i < launches.size(); i++) {
                CudaLaunch l = launches.get(i);
                fill(nodeParams, device.function(l.kernel()), l, params.apply(l));
                long nDeps = i == 0 ? 0 : 1;
                if (i > 0) dep.set(ADDRESS, 0, nodes[i - 1]);
                MemorySegment deps = i == 0 ? MemorySegment.NULL : dep;
                MemorySegment g = graph;
                Cuda.check(Cuda.call(() -> (int) CudaDriver.cuGraphAddKernelNode.invokeExact(out, g, deps, nDeps, nodeParams)),
                        "cuGraphAddKernelNode(" + l.kernel() + ")");
                nodes[i] = out.get(ADDRESS, 0);
            }
            MemorySegment g = graph;
            Cuda.check(Cuda.call(() -> (int) CudaDriver.cuGraphInstantiate.invokeExact(out, g, 0L)), "cuGraphInstantiateWithFlags");
            exec = out.get(ADDRESS, 0);
        }
        recorded = launches;
    }

    private void launch() {
        MemorySegment e = exec;
        Cuda.check(Cuda.call(() -> (int) CudaDriver.cuGraphLaunch.invokeExact(e, stream)), "cuGraphLaunch");
    }

    /** Drops the recorded graph and frees the host scratch. */
    void close() {
        reset();
        arena.close();
    }

    /** Drops the recorded graph (the arena moved, or the stream closes). */
    void reset() {
        if (!exec.equals(MemorySegment.NULL)) {
            MemorySegment e = exec;
            Cuda.call(() -> (int) CudaDriver.cuGraphExecDestroy.invokeExact(e));
        }
        if (!graph.equals(MemorySegment.NULL)) {
            MemorySegment g = graph;
            Cuda.call(() -> (int) CudaDriver.cuGraphDestroy.invokeExact(g));
        }
        exec = MemorySegment.NULL;
        graph = MemorySegment.NULL;
        nodes = null;
        recorded = null;
        previous = null;
    }
}
