package dev.quanta.bench.e2e;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The output formats of {@code quanta bench}, those of llama-bench: a markdown table ({@code md}),
 * a JSON array ({@code json}), one JSON object per line ({@code jsonl}) and {@code csv}. JSON and CSV
 * carry llama-bench's fields under its names and in its order (so tools that read llama-bench output
 * read ours), followed by Quanta's extras: {@code load_ms}, {@code ttft_ms}, {@code rss_bytes},
 * {@code rss_anon_bytes}, {@code rss_file_bytes}, {@code kv_cache_bytes}, {@code file_size}.
 *
 * <p>Use: {@link #header()}, then {@link #row} per result as it arrives, then {@link #footer()}.
 */
public abstract class BenchReport {
    /** The formats, by their {@code -o} names. */
    public enum Format {
        MD, JSON, JSONL, CSV;

        public static Format parse(String s) {
            for (Format f : values()) if (f.name().equalsIgnoreCase(s)) return f;
            throw new IllegalArgumentException("unknown output format '" + s + "' (known: md, json, jsonl, csv)");
        }
    }

    enum Type { STRING, BOOL, INT, FLOAT }

    /** One llama-bench field: its name, how JSON writes it, and its value as llama-bench prints it. */
    record Field(String name, Type type, Function<BenchResult, String> value) {}

    /** llama-bench's fields, in its order ({@code test::get_fields()}). */
    static final List<Field> FIELDS = List.of(
            new Field("build_commit", Type.STRING, BenchResult::buildCommit),
            new Field("build_number", Type.INT, r -> Integer.toString(r.buildNumber())),
            new Field("cpu_info", Type.STRING, BenchResult::cpuInfo),
            new Field("gpu_info", Type.STRING, BenchResult::gpuInfo),
            new Field("backends", Type.STRING, BenchResult::backends),
            new Field("model_filename", Type.STRING, BenchResult::modelFilename),
            new Field("model_type", Type.STRING, BenchResult::modelType),
            new Field("model_size", Type.INT, r -> Long.toString(r.modelSize())),
            new Field("model_n_params", Type.INT, r -> Long.toString(r.modelNParams())),
            new Field("n_batch", Type.INT, r -> Integer.toString(r.nBatch())),
            new Field("n_ubatch", Type.INT, r -> Integer.toString(r.nUbatch())),
            new Field("n_threads", Type.INT, r -> Integer.toString(r.nThreads())),
            new Field("cpu_mask", Type.STRING, r -> "0x0"),
            new Field("cpu_strict", Type.BOOL, r -> "0"),
            new Field("poll", Type.INT, r -> "0"),
            new Field("type_k", Type.STRING, BenchResult::typeK),
            new Field("type_v", Type.STRING, BenchResult::typeV),
            new Field("n_gpu_layers", Type.INT, r -> Integer.toString(r.nGpuLayers())),
            new Field("split_mode", Type.STRING, r -> "none"),
            new Field("main_gpu", Type.INT, r -> "0"),
            new Field("no_kv_offload", Type.BOOL, r -> "0"),
            new Field("flash_attn", Type.BOOL, r -> "0"),
            new Field("tensor_split", Type.STRING, r -> "0.00"),
            new Field("use_mmap", Type.BOOL, r -> "1"),
            new Field("embeddings", Type.BOOL, r -> "0"),
            new Field("n_prompt", Type.INT, r -> Integer.toString(r.nPrompt())),
            new Field("n_gen", Type.INT, r -> Integer.toString(r.nGen())),
            new Field("test_time", Type.STRING, BenchResult::testTime),
            new Field("avg_ns", Type.INT, r -> Long.toString(r.avgNs())),
            new Field("stddev_ns", Type.INT, r -> Long.toString(r.stddevNs())),
            new Field("avg_ts", Type.FLOAT, r -> fixed6(r.avgTs())),
            new Field("stddev_ts", Type.FLOAT, r -> fixed6(r.stddevTs())));

    /** Quanta's fields after llama-bench's (an unknown figure: empty in CSV, null in JSON). */
    static final List<Field> EXTRAS = List.of(
            new Field("load_ms", Type.FLOAT, r -> fixed3(r.loadMs())),
            new Field("ttft_ms", Type.FLOAT, r -> fixed3(r.ttftMs())),
            new Field("rss_bytes", Type.INT, r -> known(r.memory().rssBytes())),
            new Field("rss_anon_bytes", Type.INT, r -> known(r.memory().rssAnonBytes())),
            new Field("rss_file_bytes", Type.INT, r -> known(r.memory().rssFileBytes())),
            new Field("kv_cache_bytes", Type.INT, r -> Long.toString(r.kvCacheBytes())),
            new Field("file_size", Type.INT, r -> Long.toString(r.fileSize())));

    protected final PrintStream out;

    protected BenchReport(PrintStream out) {
        this.out = out;
    }

    /** A report writer of {@code format} on {@code out}. */
    public static BenchReport create(Format format, PrintStream out, String build) {
        return switch (format) {
            case MD -> new Markdown(out, build);
            case JSON -> new Json(out, false);
            case JSONL -> new Json(out, true);
            case CSV -> new Csv(out);
        };
    }

    /** Writes {@code results} as one whole report and returns it. */
    public static String format(Format format, List<BenchResult> results, String build) {
        var buf = new java.io.ByteArrayOutputStream();
        PrintStream ps = new PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8);
        BenchReport r = create(format, ps, build);
        r.header();
        for (BenchResult x : results) r.row(x);
        r.footer();
        ps.flush();
        return buf.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    public void header() {}

    public abstract void row(BenchResult r);

    public void footer() {}

    // ---- value formatting as llama-bench prints it ----

    /** {@code std::to_string(double)}: six decimals. */
    static String fixed6(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }

    static String fixed3(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "";
    }

    static String known(long v) {
        return v < 0 ? "" : Long.toString(v);
    }

    /** A stream's default double output: six significant digits, no trailing zeros. */
    static String sig6(double v) {
        if (!Double.isFinite(v)) return "0";
        if (v == 0) return "0";
        return new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }

    static String jsonValue(Field f, String v) {
        return switch (f.type) {
            case STRING -> "\"" + escapeJson(v) + "\"";
            case BOOL -> v.equals("0") ? "false" : "true";
            default -> v.isEmpty() ? "null" : v;
        };
    }

    static String escapeJson(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') b.append("\\\"");
            else if (c == '\\') b.append("\\\\");
            else if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }

    static String escapeCsv(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    /** llama-bench's {@code -o json} / {@code -o jsonl}. */
    static final class Json extends BenchReport {
        private final boolean lines;
        private boolean first = true;

        Json(PrintStream out, boolean lines) {
            super(out);
            this.lines = lines;
        }

        @Override
        public void header() {
            if (!lines) out.print("[\n");
        }

        @Override
        public void row(BenchResult r) {
            String ind = lines ? "" : "    ", sep = lines ? " " : "\n";
            StringBuilder b = new StringBuilder();
            if (!lines) {
                if (!first) b.append(",\n");
                b.append("  ");
            }
            first = false;
            b.append('{').append(lines ? "" : "\n");
            for (List<Field> group : List.of(FIELDS, EXTRAS))
                for (Field f : group)
                    b.append(ind).append('"').append(f.name).append("\": ").append(jsonValue(f, f.value.apply(r))).append(',').append(sep);
            b.append(ind).append("\"samples_ns\": [ ").append(Arrays.stream(r.samplesNs()).mapToObj(Long::toString).collect(Collectors.joining(", "))).append(" ],").append(sep);
            b.append(ind).append("\"samples_ts\": [ ").append(Arrays.stream(r.samplesTs()).mapToObj(BenchReport::sig6).collect(Collectors.joining(", "))).append(" ]");
            b.append(lines ? "}\n" : "\n  }");
            out.print(b);
            out.flush();
        }

        @Override
        public void footer() {
            if (!lines) out.print("\n]\n");
            out.flush();
        }
    }

    /** llama-bench's {@code -o csv}: a header line of field names, every value quoted. */
    static final class Csv extends BenchReport {
        Csv(PrintStream out) {
            super(out);
        }

        @Override
        public void header() {
            List<String> names = new ArrayList<>();
            for (Field f : FIELDS) names.add(f.name);
            for (Field f : EXTRAS) names.add(f.name);
            out.println(String.join(",", names));
        }

        @Override
        public void row(BenchResult r) {
            List<String> v = new ArrayList<>();
            for (Field f : FIELDS) v.add(escapeCsv(f.value.apply(r)));
            for (Field f : EXTRAS) v.add(escapeCsv(f.value.apply(r)));
            out.println(String.join(",", v));
            out.flush();
        }
    }

    /**
     * llama-bench's markdown table (model, size, params, backend, threads, test, t/s), then a second
     * table with Quanta's extras per model and backend: load time, time to first token, resident
     * memory against file size + KV cache.
     */
    static final class Markdown extends BenchReport {
        private static final String[] COLS = {"model", "size", "params", "backend", "threads", "test", "t/s"};
        private static final int[] WIDTH = {-30, 10, 10, -10, 7, 13, 20};
        private final String build;
        private final List<BenchResult> seen = new ArrayList<>();

        Markdown(PrintStream out, String build) {
            super(out);
            this.build = build;
        }

        @Override
        public void header() {
            StringBuilder h = new StringBuilder("|"), s = new StringBuilder("|");
            for (int i = 0; i < COLS.length; i++) {
                h.append(' ').append(pad(COLS[i], WIDTH[i])).append(" |");
                s.append(' ').append("-".repeat(Math.abs(WIDTH[i]) - 1)).append(WIDTH[i] > 0 ? ':' : '-').append(" |");
            }
            out.println(h);
            out.println(s);
            out.flush();
        }

        @Override
        public void row(BenchResult r) {
            seen.add(r);
            String[] v = {r.modelType(), size(r.modelSize()), params(r.modelNParams()), r.backends(),
                    Integer.toString(r.nThreads()), r.testName(),
                    String.format(Locale.ROOT, "%.2f ± %.2f", r.avgTs(), r.stddevTs())};
            StringBuilder b = new StringBuilder("|");
            for (int i = 0; i < v.length; i++) b.append(' ').append(pad(v[i], WIDTH[i])).append(" |");
            out.println(b);
            out.flush();
        }

        @Override
        public void footer() {
            out.println();
            out.println("build: " + build);
            if (seen.isEmpty()) return;
            out.println();
            out.println("| model                          | backend    |   load ms |  ttft ms |  RSS (anon + file) | file + KV cache |");
            out.println("| ------------------------------ | ---------- | --------: | -------: | -----------------: | --------------: |");
            List<String> done = new ArrayList<>();
            for (BenchResult r : seen) {
                String key = r.modelFilename() + "\u0000" + r.backends();
                if (done.contains(key)) continue;
                done.add(key);
                double ttft = Double.NaN;
                ProcMemory memGen = ProcMemory.UNKNOWN, memAll = ProcMemory.UNKNOWN;
                long kv = 0, file = r.fileSize();
                String ttftTest = "";
                for (BenchResult o : seen) {
                    if (!(o.modelFilename() + "\u0000" + o.backends()).equals(key)) continue;
                    if (Double.isNaN(ttft) && Double.isFinite(o.ttftMs())) {
                        ttft = o.ttftMs();
                        ttftTest = " (pp" + o.nPrompt() + ")";
                    }
                    if (o.nGen() > 0) memGen = memGen.max(o.memory());
                    memAll = memAll.max(o.memory());
                    kv = Math.max(kv, o.kvCacheBytes());
                }
                ProcMemory mem = memGen.rssBytes() >= 0 ? memGen : memAll;
                String rss = mem.rssBytes() < 0 ? "n/a" : String.format(Locale.ROOT, "%s (%s + %s)", size(mem.rssBytes()),
                        size(mem.rssAnonBytes()), size(mem.rssFileBytes()));
                out.println("| " + pad(r.modelType(), -30) + " | " + pad(r.backends(), -10) + " | "
                        + pad(String.format(Locale.ROOT, "%.0f", r.loadMs()), 9) + " | "
                        + pad(Double.isNaN(ttft) ? "n/a" : String.format(Locale.ROOT, "%.0f", ttft) + ttftTest, 8) + " | "
                        + pad(rss, 18) + " | " + pad(size(file) + " + " + size(kv), 15) + " |");
            }
            out.println();
            out.println("ttft: time from the start of the prompt to the first token (greedy pick). RSS: the largest resident set"
                    + " (/proc/self/status VmRSS = RssAnon + RssFile; the mapped model file counts in RssFile) seen right after"
                    + " a tg repetition, or after any repetition when there is no tg test.");
            out.flush();
        }

        static String pad(String s, int width) {
            int w = Math.abs(width);
            if (s.length() >= w) return s;
            String sp = " ".repeat(w - s.length());
            return width < 0 ? s + sp : sp + s;
        }

        /** llama-bench's size column: MiB below 1 GiB, else GiB. */
        static String size(long bytes) {
            return bytes < (1L << 30) ? String.format(Locale.ROOT, "%.2f MiB", bytes / 1024.0 / 1024.0)
                    : String.format(Locale.ROOT, "%.2f GiB", bytes / 1024.0 / 1024.0 / 1024.0);
        }

        /** llama-bench's params column: M below a billion, else B. */
        static String params(long n) {
            return n < 1_000_000_000L ? String.format(Locale.ROOT, "%.2f M", n / 1e6) : String.format(Locale.ROOT, "%.2f B", n / 1e9);
        }
    }
}
