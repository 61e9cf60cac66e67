package dev.quanta.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of platform threads that run one {@link Task} at a time, split into parts that
 * threads claim dynamically: {@code run(task, parts)} publishes the task, the caller (thread 0)
 * and every awake worker claim parts with one CAS each until none is left, and the call returns
 * when every claimed part is done. A worker that the OS has not scheduled yet simply claims
 * nothing, so a loaded machine does not stall the caller on a sleeping thread (the static
 * one-share-per-thread split did).
 *
 * <p>While a graph is being computed ({@link #begin()} .. {@link #end()}) idle workers spin for
 * up to {@link #ACTIVE_SPIN_NS} between tasks (a hand-off costs a cache-line transfer, not a
 * wake-up); otherwise they spin briefly and park. Nothing is allocated per task.
 *
 * <p>The state word packs (generation, parts, next part) so that a claim is valid only for the
 * task it was read with: a worker reads the state, then the task, and claims by CAS on the same
 * state; the task cannot change in between, because a new task is published only after every
 * part of the current one has been claimed and finished.
 */
final class CpuThreadPool implements AutoCloseable {
    /** Work split into {@code parts}; this call does part {@code part} on thread {@code tid} (for per-thread scratch). */
    interface Task {
        void run(int part, int parts, int tid);
    }

    /** Idle spin of a worker while a graph is running, then it parks. */
    static final long ACTIVE_SPIN_NS = 2_000_000;
    /** Idle spin of a worker between graphs. */
    static final long IDLE_SPIN_NS = 50_000;
    private static final int BITS = 20;
    private static final long MASK = (1L << BITS) - 1;
    /** Most parts of one task. */
    static final int MAX_PARTS = (int) MASK;

    private final int nth;
    private final Thread[] workers;
    private final AtomicLong state = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private final Parked[] parked;
    private volatile Task task;
    private volatile boolean closed;
    private volatile Throwable failure;
    private long generation;

    /** One padded flag per worker: true while it is parked (or about to be). */
    private static final class Parked {
        @SuppressWarnings("unused") long p0, p1, p2, p3, p4, p5, p6;
        volatile boolean value;
        @SuppressWarnings("unused") long q0, q1, q2, q3, q4, q5, q6;
    }

    CpuThreadPool(int threads) {
        this.nth = Math.max(1, threads);
        this.workers = new Thread[nth - 1];
        this.parked = new Parked[nth];
        for (int i = 0; i < nth; i++) parked[i] = new Parked();
        for (int i = 1; i < nth; i++) {
            final int tid = i;
            Thread t = new Thread(() -> loop(tid), "quanta-cpu-" + i);
            t.setDaemon(true);
            workers[i - 1] = t;
            t.start();
        }
    }

    int threads() {
        return nth;
    }

    /** A graph starts: workers keep spinning between its tasks. Pair with {@link #end()}. */
    void begin() {
        active.incrementAndGet();
    }

    /** The graph is done: idle workers go back to parking soon. */
    void end() {
        active.decrementAndGet();
    }

    /** Runs {@code t} in {@link #threads()} parts. */
    void run(Task t) {
        run(t, nth);
    }

    /** Runs the parts of {@code t} on the pool and waits; rethrows the first failure of any part. */
    synchronized void run(Task t, int parts) {
        if (parts < 1) return;
        if (parts > MAX_PARTS) throw new IllegalArgumentException("too many parts: " + parts);
        if (nth == 1 || parts == 1) {
            for (int p = 0; p < parts; p++) t.run(p, parts, 0);
            return;
        }
        failure = null;
        done.set(0);
        task = t;
        generation++;
        state.set((generation << (2 * BITS)) | ((long) parts << BITS));
        for (int i = 1; i < nth; i++) if (parked[i].value) LockSupport.unpark(workers[i - 1]);
        claimAll(0);
        int spins = 0;
        while (done.get() != parts) {
            if (++spins < 1 << 10) Thread.onSpinWait();
            else Thread.yield(); // the last part runs on a thread the OS may have preempted: let it run
        }
        task = null;
        Throwable f = failure;
        if (f != null) {
            failure = null;
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error er) throw er;
            throw new IllegalStateException(f);
        }
    }

    /** Claims and runs parts of the current task until none is left; true when it ran any. */
    private boolean claimAll(int tid) {
        boolean ran = false;
        while (true) {
            long s = state.get();
            int parts = (int) ((s >>> BITS) & MASK), next = (int) (s & MASK);
            if (next >= parts) return ran;
            Task t = task;
            if (!state.compareAndSet(s, s + 1)) continue;
            ran = true;
            try {
                t.run(next, parts, tid);
            } catch (Throwable e) {
                if (failure == null) failure = e;
            }
            done.incrementAndGet();
        }
    }

    private boolean hasWork() {
        long s = state.get();
        return (s & MASK) < ((s >>> BITS) & MASK);
    }

    private void loop(int tid) {
        Parked me = parked[tid];
        long idleSince = System.nanoTime();
        int spins = 0;
        while (!closed) {
            if (claimAll(tid)) {
                idleSince = System.nanoTime();
                spins = 0;
                continue;
            }
            Thread.onSpinWait();
            if ((++spins & 63) != 0) continue;
            long limit = active.get() > 0 ? ACTIVE_SPIN_NS : IDLE_SPIN_NS;
            if (System.nanoTime() - idleSince < limit) continue;
            me.value = true;
            if (!hasWork() && !closed) LockSupport.park(this);
            me.value = false;
            idleSince = System.nanoTime();
            spins = 0;
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }

    /** First index of part {@code part}'s share of n items (contiguous chunks). */
    static int start(int n, int part, int parts) {
        return (int) ((long) n * part / parts);
    }
}
