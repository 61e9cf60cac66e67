package dev.quanta.bench.server;

import dev.quanta.bench.e2e.SynthBenchModels;
import dev.quanta.runtime.Model;
import dev.quanta.runtime.ModelOptions;
import dev.quanta.runtime.Quanta;
import dev.quanta.runtime.serving.EngineOptions;
import dev.quanta.runtime.serving.ServingEngine;
import dev.quanta.server.QuantaServer;
import dev.quanta.server.ServerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Aggregate generation speed of {@code quanta serve} with 1, 4 and 8 concurrent streaming clients
 * (continuous batching), measured end to end over HTTP on 127.0.0.1: each client streams
 * {@code /v1/completions} with a distinct prompt, greedy, {@code ignore_eos}, a fixed number of
 * tokens. Reports aggregate generated tokens per second (all streams' tokens / wall time from the
 * first request to the last token), mean time to first token, and the ratio to one stream.
 *
 * <pre>
 * java ... dev.quanta.bench.server.ServerBench [--model FILE] [--streams 1,4,8] [--tokens 32] [--backend cpu]
 * </pre>
 * Without --model it uses the cached synthetic Llama-3.2-1B-shaped Q4_0 model of {@code quanta bench}
 * (written on first use).
 */
public final class ServerBench {
    private ServerBench() {}

    public static void main(String[] args) throws Exception {
        Path model = null;
        int[] streams = {1, 4, 8};
        int tokens = 32;
        String backend = "cpu";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = Path.of(args[++i]);
                case "--streams" -> streams = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--backend" -> backend = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (use --model FILE, --streams 1,4,8, --tokens N, --backend NAME)");
            }
        }
        if (model == null)
            model = SynthBenchModels.ensure(SynthBenchModels.cacheDir(System.getenv()), "llama-1b", List.of("Q4_0"), System.err::println).getFirst();
        int maxStreams = Arrays.stream(streams).max().orElse(1);
        try (Model m = Quanta.load(ModelOptions.of(model).withBackend(backend).withContextLength(256));
             ServingEngine engine = ServingEngine.start(m, EngineOptions.defaults().withParallel(maxStreams).withSlotContext(256));
             QuantaServer server = QuantaServer.start(engine, ServerOptions.of("bench").withPort(0));
             HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            String url = "http://127.0.0.1:" + server.port() + "/v1/completions";
            System.out.printf(Locale.ROOT, "model: %s (%s)%n", model.getFileName(), m.describe());
            System.out.printf(Locale.ROOT, "each stream: %d generated tokens, greedy, ignore_eos; %d slots%n%n", tokens, maxStreams);
            stream(http, url, 0, 4); // warm-up: JIT, page cache, connections
            System.out.println("| streams | tokens | wall s | aggregate t/s | per-stream t/s | mean TTFT ms | vs 1 stream |");
            System.out.println("|--------:|-------:|-------:|--------------:|---------------:|-------------:|------------:|");
            double base = 0;
            for (int n : streams) {
                Run r = run(http, url, n, tokens);
                double agg = r.tokens / r.wallSeconds;
                if (base == 0) base = agg;
                System.out.printf(Locale.ROOT, "| %7d | %6d | %6.2f | %13.2f | %14.2f | %12.0f | %10.2fx |%n", n, r.tokens, r.wallSeconds, agg,
                        r.meanStreamTps, r.meanTtftMs, agg / base);
            }
            System.out.printf(Locale.ROOT, "%nengine: %s%n", engine.stats());
        }
    }

    record Run(int tokens, double wallSeconds, double meanStreamTps, double meanTtftMs) {}

    record Stream1(int tokens, double ttftMs, double seconds) {}

    static Run run(HttpClient http, String url, int n, int tokens) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Stream1>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                fs.add(pool.submit(() -> {
                    go.await();
                    return stream(http, url, k, tokens);
                }));
            }
            long t0 = System.nanoTime();
            go.countDown();
            int total = 0;
            double tps = 0, ttft = 0;
            for (Future<Stream1> f : fs) {
                Stream1 s = f.get(30, TimeUnit.MINUTES);
                total += s.tokens;
                tps += s.tokens / s.seconds;
                ttft += s.ttftMs;
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            return new Run(total, wall, tps / n, ttft / n);
        }
    }

    /** One streaming completion; counts the content events (one per generated token that has text). */
    static Stream1 stream(HttpClient http, String url, int k, int tokens) throws Exception {
        String prompt = "Stream " + k + ": once upon a time there was a little model that";
        String body = "{\"prompt\": \"" + prompt + "\", \"max_tokens\": " + tokens
                + ", \"temperature\": 0, \"ignore_eos\": true, \"stream\": true, \"stream_options\": {\"include_usage\": true}}";
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long t0 = System.nanoTime();
        HttpResponse<Stream<String>> r = http.send(req, HttpResponse.BodyHandlers.ofLines());
        if (r.statusCode() != 200) throw new IllegalStateException("HTTP " + r.statusCode());
        long first = 0;
        int generated = -1;
        try (Stream<String> lines = r.body()) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) continue;
                if (first == 0) first = System.nanoTime();
                int u = line.indexOf("\"completion_tokens\":");
                if (u >= 0) {
                    int e = u + "\"completion_tokens\":".length(), end = e;
                    while (end < line.length() && Character.isDigit(line.charAt(end))) end++;
                    generated = Integer.parseInt(line.substring(e, end));
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (generated < 0) throw new IllegalStateException("no usage in the stream");
        return new Stream1(generated, (first - t0) / 1e6, seconds);
    }
}
