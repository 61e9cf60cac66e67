package dev.quanta.server.models;

import dev.quanta.runtime.serving.EngineStats;
import dev.quanta.runtime.serving.ServingEngine;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Many models, loaded on demand ({@code quanta serve} without {@code -m}). The catalog lists what may be
 * named; a request for a model that is not in memory loads it, and:
 * <ul>
 *   <li>loading happens once: requests that arrive while a model loads wait for that load;</li>
 *   <li>at most {@link Options#maxModels()} models are in memory (loading, loaded or unloading); a load
 *       beyond that first unloads the least recently used model, idle ones first, after its in-flight
 *       requests finish (it takes no new ones meanwhile);</li>
 *   <li>a model no request holds is unloaded after its keep-alive: the {@link Options#keepAlive()} default,
 *       or what the last request asked for (zero: at once; negative: never).</li>
 * </ul>
 * Engines are closed (and their models) on a background thread, so a request never waits for an unrelated
 * unload.
 */
public final class ModelCache implements ModelRegistry {
    private static final System.Logger LOG = System.getLogger(ModelCache.class.getName());

    /** Loads a model and starts its engine; the cache closes both ({@code engine.close(); engine.model().close()}). */
    @FunctionalInterface
    public interface Loader {
        ServingEngine load(ServedModel model) throws Exception;
    }

    /**
     * @param keepAlive how long an idle model stays loaded (negative: until the server stops)
     * @param maxModels how many models may be in memory at once (at least 1)
     */
    public record Options(Duration keepAlive, int maxModels) {
        public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofMinutes(5);

        public Options {
            if (keepAlive == null) keepAlive = DEFAULT_KEEP_ALIVE;
            if (maxModels < 1) throw new IllegalArgumentException("at least one model must fit in memory, got max " + maxModels);
        }

        /** Five minutes, one model. */
        public static Options defaults() { return new Options(DEFAULT_KEEP_ALIVE, 1); }
    }

    private enum State { LOADING, READY, UNLOADING }

    /** A model in memory (or on its way in or out). Guarded by {@link #lock}. */
    private static final class Entry {
        final ServedModel model;
        State state = State.LOADING;
        ServingEngine engine;
        Throwable failure;           // set when the load failed (the entry is then gone from the map)
        int inFlight;
        long lastUsed;               // System.nanoTime() of the last acquire or release
        long keepAliveNanos;         // of the last request
        long uses;                   // acquires so far: a scheduled expiry checks it has not changed
        ScheduledFuture<?> expiry;
        boolean closing;
        boolean engineClosed;

        Entry(ServedModel model) { this.model = model; }
    }

    private final Supplier<List<ServedModel>> catalog;
    private final Loader loader;
    private final Options options;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final ScheduledExecutorService background;
    private EngineStats retired = Stats.ZERO;
    private long loads;
    private boolean closed;

    /**
     * @param catalog what may be named (called on every listing and for names not in memory; may scan disk)
     * @param loader  loads one model
     */
    public ModelCache(Supplier<List<ServedModel>> catalog, Loader loader, Options options) {
        this.catalog = catalog;
        this.loader = loader;
        this.options = options;
        this.background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "quanta-model-cache");
            t.setDaemon(true);
            return t;
        });
    }

    public Options options() { return options; }

    /** How many loads have run (successful or not) since the cache was made. */
    public long loads() {
        lock.lock();
        try {
            return loads;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<ServedModel> list() {
        return catalog.get();
    }

    @Override
    public ServedModel find(String name) {
        lock.lock();
        try {
            for (Entry e : entries.values()) if (e.model.answersTo(name)) return e.model;
        } finally {
            lock.unlock();
        }
        List<ServedModel> all = catalog.get();
        if (name == null || name.isBlank()) {
            if (all.size() == 1) return all.getFirst();
            throw new UnknownModelException(name, ids(all));
        }
        for (ServedModel m : all) if (m.id().equalsIgnoreCase(name.trim())) return m;
        for (ServedModel m : all) if (m.answersTo(name)) return m;
        throw new UnknownModelException(name, ids(all));
    }

    private static List<String> ids(List<ServedModel> ms) {
        return ms.stream().map(ServedModel::id).toList();
    }

    @Override
    public ModelLease acquire(String name, Duration keepAlive) throws InterruptedException {
        ServedModel m = find(name);
        long ka = (keepAlive == null ? options.keepAlive() : keepAlive).toNanos();
        long t0 = System.nanoTime();
        lock.lockInterruptibly();
        try {
            while (true) {
                if (closed) throw new IllegalStateException("the server is shutting down");
                Entry e = entries.get(m.id());
                if (e != null && e.state == State.READY) return lease(e, ka, 0);
                if (e != null) { // loading or unloading: wait for it to be done
                    changed.await();
                    if (e.failure != null) throw new ModelLoadException(e.failure.getMessage(), e.failure);
                    continue;
                }
                if (entries.size() >= options.maxModels()) {
                    makeRoom();
                    changed.await();
                    continue;
                }
                Entry fresh = new Entry(m);
                entries.put(m.id(), fresh);
                loads++;
                return load(fresh, ka, t0);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Starts unloading the least recently used loaded model, idle ones first (unless one is unloading already). Under the lock. */
    private void makeRoom() {
        for (Entry e : entries.values()) if (e.state == State.UNLOADING) return;
        entries.values().stream()
                .filter(e -> e.state == State.READY)
                .min(Comparator.<Entry>comparingInt(e -> e.inFlight > 0 ? 1 : 0).thenComparingLong(e -> e.lastUsed))
                .ifPresent(this::retire);
    }

    /** Loads {@code e}'s model with the lock released; returns the first lease on it. Under the lock. */
    private ModelLease load(Entry e, long ka, long t0) {
        ServingEngine engine = null;
        Throwable failure = null;
        lock.unlock();
        try {
            LOG.log(System.Logger.Level.INFO, "loading " + e.model.id() + " (" + e.model.path() + ")");
            engine = loader.load(e.model);
            if (engine == null) throw new IllegalStateException("the loader returned no engine");
        } catch (Throwable x) {
            failure = x;
        } finally {
            lock.lock();
        }
        if (failure != null) {
            e.failure = failure;
            entries.remove(e.model.id(), e);
            changed.signalAll();
            if (failure instanceof Error err && !(failure instanceof OutOfMemoryError)) throw err;
            throw new ModelLoadException("cannot load " + e.model.id() + ": " + failure.getMessage(), failure);
        }
        e.engine = engine;
        if (closed) {
            closeEngine(e);
            throw new IllegalStateException("the server is shutting down");
        }
        e.state = State.READY;
        changed.signalAll();
        return lease(e, ka, System.nanoTime() - t0);
    }

    /** A lease on a ready entry. Under the lock. */
    private ModelLease lease(Entry e, long ka, long loadNanos) {
        e.inFlight++;
        e.uses++;
        e.keepAliveNanos = ka;
        e.lastUsed = System.nanoTime();
        if (e.expiry != null) {
            e.expiry.cancel(false);
            e.expiry = null;
        }
        return new Lease(e, loadNanos);
    }

    private final class Lease implements ModelLease {
        private final Entry e;
        private final long loadNanos;
        private boolean closed;

        Lease(Entry e, long loadNanos) {
            this.e = e;
            this.loadNanos = loadNanos;
        }

        @Override public String id() { return e.model.id(); }
        @Override public ServedModel model() { return e.model; }
        @Override public ServingEngine engine() { return e.engine; }
        @Override public long loadNanos() { return loadNanos; }

        @Override
        public void close() {
            lock.lock();
            try {
                if (closed) return;
                closed = true;
                release(e);
            } finally {
                lock.unlock();
            }
        }
    }

    /** The end of one request on {@code e}. Under the lock. */
    private void release(Entry e) {
        e.inFlight--;
        e.lastUsed = System.nanoTime();
        if (e.inFlight > 0) return;
        if (e.state == State.UNLOADING) {
            startClose(e);
        } else if (e.keepAliveNanos == 0) {
            retire(e);
        } else if (e.keepAliveNanos > 0 && !ModelCache.this.closed) {
            long uses = e.uses;
            e.expiry = background.schedule(() -> expire(e, uses), e.keepAliveNanos, TimeUnit.NANOSECONDS);
        }
        changed.signalAll();
    }

    /** The keep-alive of an idle model ran out: unload it, unless a request came meanwhile. */
    private void expire(Entry e, long uses) {
        lock.lock();
        try {
            if (e.state == State.READY && e.inFlight == 0 && e.uses == uses) {
                LOG.log(System.Logger.Level.INFO, "unloading " + e.model.id() + " (idle)");
                retire(e);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Takes no new requests on {@code e}; closes it once its requests are done. Under the lock. */
    private void retire(Entry e) {
        if (e.state != State.READY) return;
        e.state = State.UNLOADING;
        if (e.expiry != null) {
            e.expiry.cancel(false);
            e.expiry = null;
        }
        if (e.inFlight == 0) startClose(e);
        changed.signalAll();
    }

    /** Closes the engine of an unloading entry on the background thread. Under the lock. */
    private void startClose(Entry e) {
        if (e.closing) return;
        e.closing = true;
        if (closed) return; // close() takes care of it
        background.execute(() -> {
            try {
                closeEngine(e);
            } finally {
                lock.lock();
                try {
                    entries.remove(e.model.id(), e);
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        });
    }

    /** Closes the engine and its model, keeping its counters. */
    private void closeEngine(Entry e) {
        ServingEngine engine;
        lock.lock();
        try {
            engine = e.engine;
            if (engine == null || e.engineClosed) return;
            e.engineClosed = true;
            retired = Stats.plus(retired, Stats.countersOf(engine.stats())); // no request runs on it any more
        } finally {
            lock.unlock();
        }
        try {
            engine.close();
        } finally {
            engine.model().close();
        }
    }

    @Override
    public boolean unload(String name) {
        ServedModel m = find(name);
        lock.lock();
        try {
            Entry e = entries.get(m.id());
            if (e == null || e.state != State.READY) return false;
            retire(e);
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<LoadedModel> loaded() {
        lock.lock();
        try {
            List<LoadedModel> out = new ArrayList<>();
            long now = System.nanoTime();
            Instant wall = Instant.now();
            for (Entry e : entries.values()) {
                if (e.state != State.READY) continue;
                Instant expires = e.inFlight > 0 || e.keepAliveNanos < 0 ? null
                        : wall.plusNanos(Math.max(0, e.lastUsed + e.keepAliveNanos - now));
                out.add(new LoadedModel(e.model, e.engine, e.inFlight, expires));
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public EngineStats stats() {
        lock.lock();
        try {
            EngineStats s = retired;
            for (Entry e : entries.values()) if (e.engine != null && !e.engineClosed) s = Stats.plus(s, e.engine.stats());
            return s;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isHealthy() {
        lock.lock();
        try {
            if (closed) return false;
            for (Entry e : entries.values()) if (e.state == State.READY && !e.engine.isRunning()) return false;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Unloads every model (waiting for nothing: their requests fail with "shutting down"). */
    @Override
    public void close() {
        List<Entry> toClose;
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            toClose = new ArrayList<>(entries.values());
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        background.shutdownNow();
        try {
            background.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
        }
        for (Entry e : toClose) {
            if (e.state == State.LOADING) continue; // its loader closes it when it finishes
            try {
                closeEngine(e);
            } catch (RuntimeException x) {
                LOG.log(System.Logger.Level.WARNING, "closing " + e.model.id() + ": " + x);
            }
        }
        lock.lock();
        try {
            entries.clear();
        } finally {
            lock.unlock();
        }
    }
}
