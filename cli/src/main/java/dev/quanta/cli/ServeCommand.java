package dev.quanta.cli;

import dev.quanta.runtime.Model;
import dev.quanta.runtime.QuantaException;
import dev.quanta.runtime.serving.EngineOptions;
import dev.quanta.runtime.serving.Pooling;
import dev.quanta.runtime.serving.ServingEngine;
import dev.quanta.server.QuantaServer;
import dev.quanta.server.ServerOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code quanta serve -m FILE}: an OpenAI-compatible (and Ollama-compatible) HTTP server with
 * continuous batching. Listens on 127.0.0.1:8080 unless told otherwise; warns when it listens on
 * another address without an API key.
 */
@Command(name = "serve", description = {"Serve a model over HTTP: OpenAI's /v1/chat/completions, /v1/completions, /v1/embeddings,"
        + " /v1/models; Ollama's /api/chat, /api/generate, /api/tags; /health and /metrics.",
        "-c is the context of each slot; the KV cache holds --parallel x -c tokens."})
public final class ServeCommand implements Callable<Integer> {
    @Mixin
    RunCommand.ModelArgs model = new RunCommand.ModelArgs();

    @Option(names = "--host", paramLabel = "ADDR", description = "Address to listen on (default: 127.0.0.1, this machine only).")
    String host = "127.0.0.1";

    @Option(names = "--port", paramLabel = "N", description = "TCP port; 0 = any free port (default: 8080).")
    int port = 8080;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Require 'Authorization: Bearer KEY' (repeatable; /health stays public).")
    Set<String> apiKeys = new LinkedHashSet<>();

    @Option(names = "--api-key-file", paramLabel = "FILE", description = "Read API keys from a file, one per line.")
    Path apiKeyFile;

    @Option(names = {"-np", "--parallel"}, paramLabel = "N", description = "Requests generated at the same time (slots) (default: 4).")
    int parallel = 4;

    @Option(names = "--alias", paramLabel = "NAME", description = "Model name clients see and send (default: the file name without .gguf).")
    String alias;

    @Option(names = "--queue", paramLabel = "N", description = "Requests that may wait for a slot before the server answers 503 (default: 64).")
    int queue = 64;

    @Option(names = "--prefill-chunk", paramLabel = "N", description = "Prompt tokens evaluated per step across slots (default: 256).")
    int prefillChunk = 256;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Longest time one request may take, waiting included (default: 600).")
    int timeoutSeconds = 600;

    @Option(names = "--max-body", paramLabel = "BYTES", description = "Largest request body accepted (default: 8388608).")
    long maxBody = ServerOptions.DEFAULT_MAX_BODY;

    @Option(names = "--pooling", paramLabel = "mean|last", description = "How /v1/embeddings pools token states (default: mean).")
    String pooling = "mean";

    @Override
    public Integer call() throws Exception {
        PrintStream err = System.err;
        Set<String> keys = keys();
        Pooling pool = switch (pooling.toLowerCase(Locale.ROOT)) {
            case "mean" -> Pooling.MEAN;
            case "last" -> Pooling.LAST;
            default -> throw new QuantaException("--pooling must be mean or last, got " + pooling);
        };
        if (timeoutSeconds <= 0) throw new QuantaException("--timeout must be positive, got " + timeoutSeconds);
        if (parallel < 1 || parallel > EngineOptions.MAX_PARALLEL)
            throw new QuantaException("--parallel must be in 1.." + EngineOptions.MAX_PARALLEL + ", got " + parallel);
        Model m = model.load(err);
        ServingEngine engine = null;
        QuantaServer server = null;
        try {
            String id = alias != null && !alias.isBlank() ? alias : QuantaServerNames.defaultId(m.path());
            EngineOptions eo = new EngineOptions(parallel, model.ctx, queue, prefillChunk, model.kvType(),
                    Duration.ofSeconds(timeoutSeconds));
            engine = ServingEngine.start(m, eo);
            ServerOptions so = new ServerOptions(host, port, keys, id, maxBody, pool);
            if (!so.isLoopback() && keys.isEmpty())
                err.println("quanta: WARNING: listening on " + host + " without an API key: anyone who can reach it can use the model (use --api-key)");
            server = QuantaServer.start(engine, so);
            err.printf(Locale.ROOT, "quanta: %s%n", m.describe());
            err.printf(Locale.ROOT, "quanta: serving '%s' on http://%s:%d (%d slots of %d tokens%s)%n", id,
                    host.contains(":") ? "[" + host + "]" : host, server.port(), parallel, engine.slotContext(),
                    keys.isEmpty() ? "" : ", API key required");
            QuantaServer s = server;
            ServingEngine e = engine;
            Thread hook = new Thread(() -> {
                s.close();
                e.close();
                m.close();
            }, "quanta-serve-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                server.awaitShutdown();
            } catch (InterruptedException x) {
                // stopped by the program that runs this command (tests): close below and return
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException x) {
                // the JVM is shutting down: the hook closes everything
            }
            return 0;
        } finally {
            if (server != null) server.close();
            if (engine != null) engine.close();
            m.close();
        }
    }

    private Set<String> keys() throws IOException {
        Set<String> keys = new LinkedHashSet<>();
        for (String k : apiKeys) {
            if (k.isBlank()) throw new QuantaException("--api-key is empty");
            keys.add(k.trim());
        }
        if (apiKeyFile != null) {
            if (!Files.isRegularFile(apiKeyFile)) throw new QuantaException(apiKeyFile + ": no such file (--api-key-file)");
            if (Files.size(apiKeyFile) > 1 << 20) throw new QuantaException(apiKeyFile + ": too large for a key file");
            for (String line : Files.readAllLines(apiKeyFile, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) keys.add(line.trim());
            }
            if (keys.isEmpty()) throw new QuantaException(apiKeyFile + ": holds no key");
        }
        return keys;
    }

    /** Names derived from the model file. */
    static final class QuantaServerNames {
        private QuantaServerNames() {}

        static String defaultId(Path file) {
            String n = file.getFileName().toString();
            return n.toLowerCase(Locale.ROOT).endsWith(".gguf") ? n.substring(0, n.length() - 5) : n;
        }
    }
}
