package dev.quanta.server;

import dev.quanta.runtime.serving.Pooling;
import java.util.Objects;
import java.util.Set;

/**
 * How the HTTP server listens.
 *
 * @param host         address to bind; loopback ("127.0.0.1") unless the server is meant to be reached from elsewhere
 * @param port         TCP port; 0 = any free port (see {@link QuantaServer#port()})
 * @param apiKeys      accepted keys ({@code Authorization: Bearer KEY}); empty = no key needed
 * @param modelId      the model name clients see and send (/v1/models, the {@code model} field)
 * @param maxBodyBytes largest request body accepted (413 above)
 * @param pooling      how /v1/embeddings pools the final hidden states
 */
public record ServerOptions(String host, int port, Set<String> apiKeys, String modelId, long maxBodyBytes, Pooling pooling) {
    public static final long DEFAULT_MAX_BODY = 8L << 20;

    public ServerOptions {
        if (host == null || host.isBlank()) host = "127.0.0.1";
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        apiKeys = apiKeys == null ? Set.of() : Set.copyOf(apiKeys);
        for (String k : apiKeys) if (k.isBlank()) throw new IllegalArgumentException("an API key is empty");
        Objects.requireNonNull(modelId, "modelId");
        if (maxBodyBytes <= 0) throw new IllegalArgumentException("max body size must be positive, got " + maxBodyBytes);
        if (pooling == null) pooling = Pooling.MEAN;
    }

    /** Loopback, port 8080, no key, 8 MiB bodies, mean pooling. */
    public static ServerOptions of(String modelId) {
        return new ServerOptions("127.0.0.1", 8080, Set.of(), modelId, DEFAULT_MAX_BODY, Pooling.MEAN);
    }

    public ServerOptions withHost(String h) { return new ServerOptions(h, port, apiKeys, modelId, maxBodyBytes, pooling); }
    public ServerOptions withPort(int p) { return new ServerOptions(host, p, apiKeys, modelId, maxBodyBytes, pooling); }
    public ServerOptions withApiKeys(Set<String> k) { return new ServerOptions(host, port, k, modelId, maxBodyBytes, pooling); }
    public ServerOptions withMaxBodyBytes(long n) { return new ServerOptions(host, port, apiKeys, modelId, n, pooling); }
    public ServerOptions withPooling(Pooling p) { return new ServerOptions(host, port, apiKeys, modelId, maxBodyBytes, p); }

    /** True when the host is a loopback address (only this machine can connect). */
    public boolean isLoopback() {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }
}
