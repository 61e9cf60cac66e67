package dev.quanta.server.models;

import dev.quanta.runtime.serving.ServingEngine;
import java.time.Instant;

/**
 * A model in memory, as /api/ps reports it.
 *
 * @param model     the catalog entry
 * @param engine    its engine
 * @param inFlight  requests holding it now
 * @param expiresAt when it unloads if no request comes (null: never, or not while requests hold it)
 */
public record LoadedModel(ServedModel model, ServingEngine engine, int inFlight, Instant expiresAt) {}
