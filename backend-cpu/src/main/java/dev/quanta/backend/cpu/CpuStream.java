package dev.quanta.backend.cpu;

import dev.quanta.kernels.backend.BackendException;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Op;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Runs graphs on the CPU, synchronously, node by node in order. Intermediates live in one arena
 * reused between graphs ({@link MemoryPlan}); inputs and weights are read in place. Each op is
 * split over the device's thread pool by rows (MUL_MAT by weight rows, ATTENTION by (token,
 * head)); small ops run on the calling thread.
 */
final class CpuStream implements Stream {
    private final CpuDevice device;
    private final CpuThreadPool pool;
    private final MatMul matMul;
    private final RowOps rowOps;
    private final Attention attention;
    private final MemoryPlan plan = new MemoryPlan();
    private Arena arena;
    private MemorySegment mem = MemorySegment.NULL;
    private Graph last;
    private boolean closed;
    /** Global-scope views of weight segments ({@link #weightView}). */
    private final java.util.IdentityHashMap<MemorySegment, MemorySegment> views = new java.util.IdentityHashMap<>();

    CpuStream(CpuDevice device, CpuThreadPool pool) {
        this.device = device;
        this.pool = pool;
        this.matMul = new MatMul(pool);
        this.rowOps = new RowOps(this, pool);
        this.attention = new Attention(this, pool);
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public synchronized void compute(Graph graph) {
        if (closed) throw new IllegalStateException("stream is closed");
        plan.plan(graph);
        if (mem.byteSize() < plan.size) {
            if (arena != null) arena.close();
            arena = Arena.ofShared();
            MemorySegment m = arena.allocate(Math.max(plan.size, mem.byteSize() + mem.byteSize() / 2), MemoryPlan.ALIGN);
            // the stream owns this arena and closes it only here and in close(), never during a compute
            mem = MemorySegment.ofAddress(m.address()).reinterpret(m.byteSize());
        }
        last = graph;
        List<Tensor> nodes = graph.nodes();
        pool.begin();
        try {
            for (int i = 0; i < nodes.size(); i++) {
                Tensor t = nodes.get(i);
                try {
                    run(t);
                } catch (BackendException | IllegalArgumentException e) {
                    throw new BackendException("cpu: node " + i + " " + t + ": " + e.getMessage(), e);
                }
            }
        } finally {
            pool.end();
        }
        if (COMPACT_AFTER > 0 && COMPUTES.get() <= COMPACT_AFTER && COMPUTES.incrementAndGet() == COMPACT_AFTER) System.gc();
    }

    /**
     * Graphs after which the process runs one full garbage collection, once (0: never;
     * {@code -Dquanta.cpu.compactAfterWarmup=N}). The kernels are Vector API code: until C2 has
     * compiled them, their interpreted and C1 forms allocate every vector (about 4 GB of
     * short-lived arrays over the first tokens of a 1B model), and G1 grows the heap to absorb it
     * (0.5–3.7 GB committed against a live set of ~32 MB) and keeps it. One full collection after
     * the warm-up returns that memory to the OS (1B Q4_0 generating: RSS 1.31 GiB -> 1010 MiB).
     */
    static final int COMPACT_AFTER = Integer.getInteger("quanta.cpu.compactAfterWarmup", 48);
    private static final java.util.concurrent.atomic.AtomicInteger COMPUTES = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * {@code -Dquanta.cpu.prof=true}: wall time of every node on the calling thread, summed per op
     * and shape (MUL_MAT per weight type, k, n, m), printed to stderr when the JVM exits — where a
     * decode step's time goes, warm-up included. Off: one static check per node.
     */
    static final boolean PROF = Boolean.getBoolean("quanta.cpu.prof");
    private static final java.util.concurrent.ConcurrentHashMap<String, long[]> PROFILE = new java.util.concurrent.ConcurrentHashMap<>();

    static {
        if (PROF) Runtime.getRuntime().addShutdownHook(new Thread(CpuStream::printProfile, "quanta-cpu-prof"));
    }

    private static void printProfile() {
        long total = PROFILE.values().stream().mapToLong(v -> v[0]).sum();
        System.err.printf("quanta.cpu.prof: %.1f ms in CPU graph nodes%n", total / 1e6);
        PROFILE.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).limit(30)
                .forEach(e -> System.err.printf("  %-44s %9.1f ms %5.1f%% %9d calls %9.2f us/call%n", e.getKey(), e.getValue()[0] / 1e6,
                        100.0 * e.getValue()[0] / Math.max(1, total), e.getValue()[1], e.getValue()[0] / 1e3 / e.getValue()[1]));
    }

    private void run(Tensor t) {
        if (!PROF) {
            run0(t);
            return;
        }
        long t0 = System.nanoTime();
        run0(t);
        long dt = System.nanoTime() - t0;
        String key = t.op() == Op.MUL_MAT
                ? "MUL_MAT " + t.src(0).type() + " k=" + t.src(1).ne(0) + " n=" + t.src(0).ne(1) + " m=" + t.src(1).ne(1)
                : t.op() + " " + t.ne(0) + "x" + t.ne(1);
        long[] v = PROFILE.computeIfAbsent(key, x -> new long[2]);
        synchronized (v) {
            v[0] += dt;
            v[1]++;
        }
    }

    private void run0(Tensor t) {
        switch (t.op()) {
            case NONE, VIEW -> { }
            case MUL_MAT -> {
                Tensor w = t.src(0), x = t.src(1);
                matMul.compute(w.type(), seg(w), off(w), w.nb(1), (int) w.ne(1), seg(x), off(x), x.ne(), x.nb(), seg(t), off(t));
            }
            case ATTENTION -> attention.compute(t);
            default -> rowOps.compute(t);
        }
    }

    // ---- addresses ---------------------------------------------------------------------------

    /** The segment holding {@code t}'s bytes. */
    MemorySegment seg(Tensor t) {
        Tensor r = t.viewRoot();
        return switch (r.kind()) {
            case STORAGE -> weightView(t, t.buffer().hostView().orElseThrow(() ->
                    new BackendException("tensor '" + t.name() + "' lives in a buffer of device '" + t.buffer().device().name()
                            + "' that the CPU cannot read in place")));
            case INPUT -> r.hostData();
            case NODE -> r.op() == Op.SET_ROWS ? seg(r.src(0)) : mem;
        };
    }

    /** Byte offset of {@code t}'s first element in {@link #seg}. */
    /**
     * Weights are read through a view of global scope: a segment of a shared arena (the mapped
     * model file) pays a liveness check on every access, which C2 does not hoist out of the kernel
     * loops (about a tenth of decode time on the 1B model). Safe because the owner is checked alive
     * here, at the start of every op, and {@link #close} waits for a running {@link #compute}: the
     * model closes its streams before it unmaps the file. Bounds are still checked.
     */
    private MemorySegment weightView(Tensor t, MemorySegment host) {
        if (!host.isNative()) return host;
        if (!host.scope().isAlive()) throw new BackendException("tensor '" + t.name() + "': its memory was closed");
        MemorySegment v = views.get(host);
        if (v == null) {
            if (views.size() > 4096) views.clear();
            views.put(host, v = MemorySegment.ofAddress(host.address()).reinterpret(host.byteSize()));
        }
        return v;
    }

    long off(Tensor t) {
        Tensor r = t.viewRoot();
        return switch (r.kind()) {
            case STORAGE -> t.offset();
            case INPUT -> t.viewOffset();
            case NODE -> {
                if (r.op() == Op.SET_ROWS) yield off(r.src(0)) + t.viewOffset();
                long o = r.index() >= 0 && r.index() < plan.offset.length ? plan.offset[r.index()] : -1;
                if (o < 0 || last == null || r.index() >= last.nodes().size() || last.nodes().get(r.index()) != r)
                    throw new BackendException("tensor '" + t.name() + "' was not computed by the last graph on this stream");
                yield o + t.viewOffset();
            }
        };
    }

    /** Row strides of {@code t} as stored (SET_ROWS results have their destination's strides). */
    static long[] nb(Tensor t) {
        if (t.op() == Op.SET_ROWS) return t.src(0).nb();
        return t.nb();
    }

    @Override
    public void synchronize() {
        // compute() is synchronous
    }

    @Override
    public void read(Tensor t, MemorySegment dst) {
        MemorySegment s = seg(t);
        long o = off(t);
        long[] nb = nb(t), ne = t.ne();
        long rb = t.rowBytes(), rows = t.nrows();
        if (dst.byteSize() < rb * rows)
            throw new IllegalArgumentException("read of '" + t.name() + "': destination holds " + dst.byteSize() + " bytes, need " + rb * rows);
        for (long r = 0; r < rows; r++) MemorySegment.copy(s, o + MatMul.rowOffset(r, ne, nb), dst, r * rb, rb);
    }

    @Override
    public synchronized void close() { // waits for a running compute (weights are read through unchecked views)
        closed = true;
        views.clear();
        if (arena != null) arena.close();
        arena = null;
        mem = MemorySegment.NULL;
    }

    /** Attention contexts up to {@code n} cells take the short pass (see {@link Attention#SHORT_MAX_KV}); for tests. */
    void attentionShortMaxKv(int n) {
        attention.shortMaxKv = n;
    }

    static OpParams params(Tensor t) {
        return t.params();
    }
}
