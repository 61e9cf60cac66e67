package dev.quanta.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of platform threads that run one {@link Task} at a time with a static partition:
 * {@code run(task)} calls {@code task.run(ith, nth)} on every thread (the caller is thread 0) and
 * returns when all are done. Workers spin briefly, then park, between tasks; nothing is allocated
 * per task.
 */
final class CpuThreadPool implements AutoCloseable {
    /** Work split statically over {@code nth} threads; thread {@code ith} does its share. */
    interface Task {
        void run(int ith, int nth);
    }

    private static final int SPIN = 1 << 12;

    private final int nth;
    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Task task;
    private volatile int generation;
    private volatile boolean closed;
    private volatile Thread waiter;
    private volatile Throwable failure;

    CpuThreadPool(int threads) {
        this.nth = Math.max(1, threads);
        this.workers = new Thread[nth - 1];
        for (int i = 1; i < nth; i++) {
            final int ith = i;
            Thread t = new Thread(() -> loop(ith), "quanta-cpu-" + i);
            t.setDaemon(true);
            workers[i - 1] = t;
            t.start();
        }
    }

    int threads() {
        return nth;
    }

    /** Runs {@code t} on all threads and waits; rethrows the first failure of any thread. */
    void run(Task t) {
        if (nth == 1) {
            t.run(0, 1);
            return;
        }
        failure = null;
        task = t;
        waiter = Thread.currentThread();
        pending.set(nth - 1);
        generation = generation + 1;
        for (Thread w : workers) LockSupport.unpark(w);
        try {
            t.run(0, nth);
        } catch (Throwable e) {
            failure = e;
        }
        int spins = 0;
        while (pending.get() != 0) {
            if (spins++ < SPIN) Thread.onSpinWait();
            else LockSupport.parkNanos(this, 50_000);
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

    private void loop(int ith) {
        int seen = 0;
        while (true) {
            int spins = 0;
            while (generation == seen && !closed) {
                if (spins++ < SPIN) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            if (closed) return;
            seen = generation;
            try {
                task.run(ith, nth);
            } catch (Throwable e) {
                if (failure == null) failure = e;
            }
            if (pending.decrementAndGet() == 0) LockSupport.unpark(waiter);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }

    /** First index of thread ith's share of n items (contiguous chunks). */
    static int start(int n, int ith, int nth) {
        return (int) ((long) n * ith / nth);
    }
}
