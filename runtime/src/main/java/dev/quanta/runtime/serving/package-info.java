/**
 * Continuous batching for servers: {@link dev.quanta.runtime.serving.ServingEngine} owns one model
 * context and runs many requests at once. Each request gets a slot (its own sequence id and KV
 * cells); every step decodes one token for every generating slot in one batched forward pass and
 * adds a bounded chunk of any new prompt, so a long prompt does not stall the others. Request
 * threads submit work and read events through queues; only the engine thread touches the model.
 */
package dev.quanta.runtime.serving;
