package dev.quanta.server.models;

import dev.quanta.runtime.serving.EngineStats;
import java.time.Duration;
import java.util.List;

/**
 * The models a server serves. The HTTP front ends list them ({@code /v1/models}, {@code /api/tags}) and take
 * a {@link ModelLease} for each request that runs one.
 */
public interface ModelRegistry extends AutoCloseable {
    /** Every model a request may name, loaded or not. */
    List<ServedModel> list();

    /**
     * The model a request names ({@link ServedModel#answersTo}); null or empty names the only model when
     * there is exactly one.
     *
     * @throws UnknownModelException when there is no such model
     */
    ServedModel find(String name);

    /**
     * The named model, loaded, held until the lease is closed. Loads it when it is not in memory (once, however
     * many requests ask at the same time), first unloading the least recently used model when the limit of
     * loaded models is reached (after its requests finish).
     *
     * @param keepAlive how long the model stays loaded once no request holds it: null = the registry's default,
     *                  zero = unload as soon as the last request ends, negative = until the server stops
     * @throws UnknownModelException when there is no such model
     * @throws ModelLoadException    when it cannot be loaded
     */
    ModelLease acquire(String name, Duration keepAlive) throws InterruptedException;

    /**
     * Unloads the named model as soon as no request holds it (Ollama's {@code keep_alive: 0} without a prompt).
     *
     * @return whether it was loaded
     */
    boolean unload(String name);

    /** The models in memory now. */
    List<LoadedModel> loaded();

    /** The engines' statistics, summed: counters over the server's life, gauges of the engines loaded now. */
    EngineStats stats();

    /** False when an engine has stopped or the registry is closed. */
    boolean isHealthy();

    /** Unloads what the registry loaded (an engine it was given stays its owner's). */
    @Override
    void close();
}
