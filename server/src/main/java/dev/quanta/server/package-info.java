/**
 * Quanta's HTTP server: OpenAI's API ({@code /v1/chat/completions}, {@code /v1/completions},
 * {@code /v1/embeddings}, {@code /v1/models}) and Ollama's ({@code /api/chat}, {@code /api/generate},
 * {@code /api/tags}) as two front ends on one {@link dev.quanta.runtime.serving.ServingEngine},
 * plus {@code /health} and Prometheus {@code /metrics}. HTTP is Helidon SE WebServer 4: a virtual
 * thread per request, which blocks on the engine's event queue while the engine thread batches
 * all requests together. Start with {@link dev.quanta.server.QuantaServer#start}.
 */
package dev.quanta.server;
