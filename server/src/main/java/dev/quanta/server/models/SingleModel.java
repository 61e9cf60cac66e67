package dev.quanta.server.models;

import dev.quanta.runtime.serving.EngineStats;
import dev.quanta.runtime.serving.ServingEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One engine, always loaded ({@code quanta serve -m FILE}). Requests may name it by its id, by the file
 * name, or by the file name without {@code .gguf}; a request that names no model gets it too. Closing the
 * registry leaves the engine open: it is the caller's.
 */
public final class SingleModel implements ModelRegistry {
    private final ServingEngine engine;
    private final ServedModel model;
    private final AtomicInteger inFlight = new AtomicInteger();

    public SingleModel(ServingEngine engine, String id) {
        this.engine = engine;
        Path p = engine.model().path();
        String file = p.getFileName().toString();
        String stem = file.toLowerCase(Locale.ROOT).endsWith(".gguf") ? file.substring(0, file.length() - 5) : file;
        long size;
        Instant modified;
        try {
            size = Files.size(p);
            modified = Files.getLastModifiedTime(p).toInstant();
        } catch (IOException e) {
            size = 0;
            modified = Instant.now();
        }
        this.model = new ServedModel(id, List.of(file, stem), p, size, modified, engine.model().config().arch(), "?");
    }

    @Override
    public List<ServedModel> list() { return List.of(model); }

    @Override
    public ServedModel find(String name) {
        if (name == null || name.isBlank() || model.answersTo(name)) return model;
        throw new UnknownModelException(name, List.of(model.id()));
    }

    @Override
    public ModelLease acquire(String name, Duration keepAlive) {
        find(name);
        inFlight.incrementAndGet();
        return new ModelLease() {
            private boolean closed;

            @Override public String id() { return model.id(); }
            @Override public ServedModel model() { return model; }
            @Override public ServingEngine engine() { return engine; }
            @Override public long loadNanos() { return 0; }

            @Override
            public synchronized void close() {
                if (closed) return;
                closed = true;
                inFlight.decrementAndGet();
            }
        };
    }

    @Override
    public boolean unload(String name) {
        find(name);
        return false; // the one model stays loaded
    }

    @Override
    public List<LoadedModel> loaded() { return List.of(new LoadedModel(model, engine, inFlight.get(), null)); }

    @Override
    public EngineStats stats() { return engine.stats(); }

    @Override
    public boolean isHealthy() { return engine.isRunning(); }

    @Override
    public void close() {}
}
