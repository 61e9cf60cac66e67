package dev.quanta.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quanta.kernels.GgmlType;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufMetadata;
import dev.quanta.loader.gguf.GgufTensorInfo;
import dev.quanta.loader.gguf.GgufValue;
import dev.quanta.loader.quantize.LlamaFtype;
import dev.quanta.runtime.arch.Architecture;
import dev.quanta.runtime.arch.Architectures;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quanta info FILE [--json]}: what a GGUF file holds. */
@Command(name = "info", description = "Show a GGUF file's architecture, hyperparameters, tokenizer, metadata and tensors.")
public final class InfoCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE|REF", description = "GGUF file, or hf:OWNER/REPO[:QUANT] from the model cache")
    String model;

    @Option(names = "--offline", description = "Resolve a reference from the cache only; never use the network.")
    boolean offline;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Option(names = "--tensors", negatable = true, defaultValue = "true", description = "List every tensor (default: on).")
    boolean listTensors;

    static final String[] HYPER = {"context_length", "embedding_length", "block_count", "feed_forward_length",
            "attention.head_count", "attention.head_count_kv", "attention.key_length", "attention.value_length",
            "attention.layer_norm_rms_epsilon", "attention.layer_norm_epsilon", "attention.sliding_window",
            "rope.freq_base", "rope.dimension_count", "rope.scaling.type", "rope.scaling.factor",
            "rope.scaling.original_context_length", "rope.scaling.attn_factor", "attn_logit_softcapping",
            "final_logit_softcapping", "vocab_size"};

    @Override
    public Integer call() throws Exception {
        try (GgufFile f = GgufFile.open(ModelRef.resolve(model, offline))) {
            Map<String, Object> out = describe(f);
            PrintStream o = System.out;
            if (json) {
                o.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
            } else {
                printText(f, out, o);
            }
        }
        return 0;
    }

    static Map<String, Object> describe(GgufFile f) {
        GgufMetadata m = f.metadata();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("file", f.path().toString());
        out.put("gguf_version", f.version());
        out.put("file_size", f.fileSize());
        String arch = m.optString("general.architecture").orElse(null);
        out.put("architecture", arch);
        out.put("family", family(f, arch));
        out.put("name", m.optString("general.name").orElse(null));
        if (m.has("general.file_type") && m.get("general.file_type").type().isInteger()) {
            long ft = m.getLong("general.file_type");
            LlamaFtype lf = LlamaFtype.byId((int) ft);
            out.put("file_type", lf != null ? lf.cliName + " (" + ft + ")" : Long.toString(ft));
        }
        Map<String, Object> hp = new LinkedHashMap<>();
        if (arch != null) {
            for (String k : HYPER) {
                GgufValue v = m.get(arch + "." + k);
                if (v != null) hp.put(k, v.value() instanceof GgufValue.GgufArray a ? a.display(8) : v.plainValue());
            }
        }
        out.put("hyperparameters", hp);
        Map<String, Object> tok = new LinkedHashMap<>();
        if (m.has("tokenizer.ggml.model")) {
            tok.put("model", m.getString("tokenizer.ggml.model"));
            m.optString("tokenizer.ggml.pre").ifPresent(p -> tok.put("pre", p));
            if (m.has("tokenizer.ggml.tokens")) tok.put("vocab_size", m.getStringArray("tokenizer.ggml.tokens").length);
            if (m.has("tokenizer.ggml.merges")) tok.put("merges", m.getStringArray("tokenizer.ggml.merges").length);
            for (String k : new String[] {"bos_token_id", "eos_token_id", "padding_token_id", "unknown_token_id"})
                if (m.has("tokenizer.ggml." + k)) tok.put(k, m.getLong("tokenizer.ggml." + k));
            tok.put("chat_template", m.has("tokenizer.chat_template"));
        }
        out.put("tokenizer", tok);
        Map<String, Object> meta = new LinkedHashMap<>();
        for (var e : m.asMap().entrySet()) meta.put(e.getKey(), e.getValue().display(8));
        out.put("metadata", meta);
        List<Map<String, Object>> tensors = new ArrayList<>();
        Map<GgmlType, long[]> perType = new EnumMap<>(GgmlType.class);
        long params = 0;
        for (GgufTensorInfo t : f.tensors()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", t.name());
            row.put("type", t.type().name());
            row.put("shape", t.ne());
            row.put("bytes", t.byteSize());
            if (!t.rowsBlockAligned()) row.put("flat_blocks", true);
            tensors.add(row);
            long[] acc = perType.computeIfAbsent(t.type(), k -> new long[2]);
            acc[0]++;
            acc[1] += t.byteSize();
            params += t.nelements();
        }
        out.put("tensor_count", f.tensors().size());
        out.put("parameters", params);
        long tensorBytes = f.tensors().stream().mapToLong(GgufTensorInfo::byteSize).sum();
        out.put("bits_per_weight", params == 0 ? 0.0 : Math.round(800.0 * tensorBytes / params) / 100.0);
        Map<String, Object> bt = new LinkedHashMap<>();
        perType.forEach((k, v) -> bt.put(k.name(), Map.of("tensors", v[0], "bytes", v[1])));
        out.put("bytes_per_type", bt);
        out.put("tensors", tensors);
        return out;
    }

    /**
     * The model family Quanta runs this file as: its models and the hyperparameters as the runtime reads
     * them (sliding windows, soft-caps, query scale...), or why it cannot run it.
     */
    static Map<String, Object> family(GgufFile f, String arch) {
        Map<String, Object> fam = new LinkedHashMap<>();
        if (arch == null) return fam;
        fam.put("supported", Architectures.isSupported(arch));
        if (!Architectures.isSupported(arch)) {
            fam.put("error", "unsupported architecture '" + arch + "' (supported: " + String.join(", ", Architectures.supported()) + ")");
            return fam;
        }
        Architecture a = Architectures.forName(arch, f.path());
        fam.put("models", a.models());
        GgufTensorInfo embd = f.tensor("token_embd.weight");
        if (embd == null || embd.nDims() != 2) {
            fam.put("error", "missing tensor 'token_embd.weight'");
            return fam;
        }
        try {
            fam.put("summary", a.config(f, (int) embd.ne()[1]).summary());
        } catch (RuntimeException e) {
            fam.put("error", e.getMessage());
        }
        return fam;
    }

    private void printText(GgufFile f, Map<String, Object> d, PrintStream o) {
        o.printf("file:          %s%n", f.path());
        o.printf("format:        GGUF v%d, %s, %d tensors, alignment %d%n", f.version(), human(f.fileSize()), f.tensors().size(), f.alignment());
        o.printf("architecture:  %s%n", d.get("architecture") == null ? "(none: vocabulary-only or non-model file)" : d.get("architecture"));
        @SuppressWarnings("unchecked") Map<String, Object> fam = (Map<String, Object>) d.get("family");
        if (fam.get("summary") != null) o.printf("family:        %s (%s)%n", fam.get("summary"), fam.get("models"));
        else if (fam.get("error") != null) o.printf("family:        cannot run: %s%n", fam.get("error"));
        if (d.get("name") != null) o.printf("name:          %s%n", d.get("name"));
        if (d.get("file_type") != null) o.printf("file type:     %s%n", d.get("file_type"));
        o.printf("parameters:    %s, %s bits per weight%n", humanCount((Long) d.get("parameters")), d.get("bits_per_weight"));
        @SuppressWarnings("unchecked") Map<String, Object> hp = (Map<String, Object>) d.get("hyperparameters");
        if (!hp.isEmpty()) {
            o.println("hyperparameters:");
            hp.forEach((k, v) -> o.printf("  %-36s %s%n", k, v));
        }
        @SuppressWarnings("unchecked") Map<String, Object> tok = (Map<String, Object>) d.get("tokenizer");
        if (!tok.isEmpty()) {
            o.println("tokenizer:");
            tok.forEach((k, v) -> o.printf("  %-36s %s%n", k, v));
        }
        o.println("metadata:");
        for (var e : f.metadata().asMap().entrySet()) o.printf("  %-44s %-8s %s%n", e.getKey(), e.getValue().type(), e.getValue().display(8));
        @SuppressWarnings("unchecked") Map<String, Map<String, Long>> bt = (Map<String, Map<String, Long>>) d.get("bytes_per_type");
        o.println("bytes per type:");
        bt.forEach((k, v) -> o.printf("  %-8s %5d tensors  %s%n", k, v.get("tensors"), human(v.get("bytes"))));
        if (listTensors && !f.tensors().isEmpty()) {
            o.println("tensors:");
            o.printf("  %-40s %-8s %-24s %s%n", "name", "type", "shape", "bytes");
            for (GgufTensorInfo t : f.tensors())
                o.printf("  %-40s %-8s %-24s %d%s%n", t.name(), t.type().name(), t.shapeString(), t.byteSize(),
                        t.rowsBlockAligned() ? "" : "  (rows not block-aligned: quantized as one flat array of blocks)");
        }
    }

    static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        if (bytes < 1 << 20) return String.format("%.1f KiB", bytes / 1024.0);
        if (bytes < 1L << 30) return String.format("%.2f MiB", bytes / 1048576.0);
        return String.format("%.2f GiB", bytes / 1073741824.0);
    }

    static String humanCount(long n) {
        if (n < 1000) return Long.toString(n);
        if (n < 1_000_000) return String.format("%.1fK (%d)", n / 1e3, n);
        if (n < 1_000_000_000) return String.format("%.2fM (%d)", n / 1e6, n);
        return String.format("%.2fB (%d)", n / 1e9, n);
    }
}
