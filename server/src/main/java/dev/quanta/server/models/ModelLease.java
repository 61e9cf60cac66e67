package dev.quanta.server.models;

import dev.quanta.runtime.serving.ServingEngine;

/**
 * A loaded model held for one request: the model stays loaded (it is not unloaded or evicted) until the
 * lease is closed. Close it exactly once, when the request is over (its answer sent or its client gone).
 */
public interface ModelLease extends AutoCloseable {
    /** The model's id, as answers name it. */
    String id();

    /** The model as the catalog lists it. */
    ServedModel model();

    /** The engine serving it. */
    ServingEngine engine();

    /** Nanoseconds this request waited for the model to load (0 when it was loaded already). */
    long loadNanos();

    /** Ends the lease. */
    @Override
    void close();
}
