package dev.quanta.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchReportTest {
    /** llama-bench's test::get_fields(), in order (tools such as compare-llama-bench.py read these). */
    static final List<String> LLAMA_BENCH_FIELDS = List.of(
            "build_commit", "build_number", "cpu_info", "gpu_info", "backends", "model_filename",
            "model_type", "model_size", "model_n_params", "n_batch", "n_ubatch", "n_threads",
            "cpu_mask", "cpu_strict", "poll", "type_k", "type_v", "n_gpu_layers",
            "split_mode", "main_gpu", "no_kv_offload", "flash_attn", "tensor_split", "use_mmap",
            "embeddings", "n_prompt", "n_gen", "test_time", "avg_ns", "stddev_ns",
            "avg_ts", "stddev_ts");

    static final ObjectMapper JSON = new ObjectMapper();

    static List<BenchResult> results() {
        return List.of(
                Fixtures.result("/m/a \"quoted\", odd.gguf", "llama 1B Q4_0", "CPU", 512, 0, 2_000_000_000L, 1_000_000_000L, 1_000_000_000L),
                Fixtures.result("/m/a \"quoted\", odd.gguf", "llama 1B Q4_0", "CPU", 0, 128, 4_000_000_000L));
    }

    @Test
    void jsonHasLlamaBenchFieldsInOrderWithTheirTypes() throws Exception {
        String s = BenchReport.format(BenchReport.Format.JSON, results(), "b");
        JsonNode arr = JSON.readTree(s);
        assertEquals(2, arr.size());
        JsonNode pp = arr.get(0);
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = pp.fieldNames(); it.hasNext(); ) names.add(it.next());
        assertEquals(LLAMA_BENCH_FIELDS, names.subList(0, LLAMA_BENCH_FIELDS.size()));
        assertTrue(names.containsAll(List.of("samples_ns", "samples_ts", "load_ms", "ttft_ms", "rss_bytes", "kv_cache_bytes", "file_size")), names.toString());
        assertEquals("/m/a \"quoted\", odd.gguf", pp.get("model_filename").asText());
        assertEquals("llama 1B Q4_0", pp.get("model_type").asText());
        assertTrue(pp.get("model_size").isIntegralNumber());
        assertEquals(1_235_814_400L, pp.get("model_n_params").asLong());
        assertTrue(pp.get("use_mmap").isBoolean() && pp.get("use_mmap").asBoolean());
        assertTrue(pp.get("flash_attn").isBoolean() && !pp.get("flash_attn").asBoolean());
        assertEquals(512, pp.get("n_prompt").asInt());
        assertEquals(0, pp.get("n_gen").asInt());
        // samples: 2 s, 1 s, 1 s for 512 tokens -> 256, 512, 512 t/s
        assertEquals(3, pp.get("samples_ts").size());
        assertEquals(256, pp.get("samples_ts").get(0).asDouble(), 1e-9);
        assertEquals((256 + 512 + 512) / 3.0, pp.get("avg_ts").asDouble(), 1e-5);
        assertEquals(Stats.stddev(new double[] {256, 512, 512}), pp.get("stddev_ts").asDouble(), 1e-5);
        assertEquals(1_333_333_333L, pp.get("avg_ns").asLong());
        assertEquals(1234.5, pp.get("ttft_ms").asDouble(), 1e-9);
        JsonNode tg = arr.get(1);
        assertTrue(tg.get("ttft_ms").isNull(), "a tg test has no time to first token");
        assertEquals(32, tg.get("avg_ts").asDouble(), 1e-9);
        assertEquals(0, tg.get("stddev_ts").asDouble());
    }

    @Test
    void jsonlIsOneObjectPerLine() throws Exception {
        String s = BenchReport.format(BenchReport.Format.JSONL, results(), "b");
        String[] lines = s.strip().split("\n");
        assertEquals(2, lines.length);
        for (String l : lines) assertEquals("llama 1B Q4_0", JSON.readTree(l).get("model_type").asText());
    }

    @Test
    void csvHeaderIsLlamaBenchFieldsThenExtrasAndValuesAreQuoted() {
        String s = BenchReport.format(BenchReport.Format.CSV, results(), "b");
        String[] lines = s.split("\n");
        assertEquals(3, lines.length);
        List<String> header = List.of(lines[0].split(","));
        assertEquals(LLAMA_BENCH_FIELDS, header.subList(0, LLAMA_BENCH_FIELDS.size()));
        List<String> row = parseCsvLine(lines[1]);
        assertEquals(header.size(), row.size());
        assertEquals("/m/a \"quoted\", odd.gguf", row.get(header.indexOf("model_filename")));
        assertEquals("512", row.get(header.indexOf("n_prompt")));
        assertEquals("1", row.get(header.indexOf("use_mmap")), "llama-bench writes booleans as 0/1 in CSV");
        assertEquals("426.666667", row.get(header.indexOf("avg_ts")));
        assertEquals("", parseCsvLine(lines[2]).get(header.indexOf("ttft_ms")));
    }

    @Test
    void markdownTableLooksLikeLlamaBenchs() {
        String s = BenchReport.format(BenchReport.Format.MD, results(), "quanta 0.1.0");
        String[] lines = s.split("\n");
        assertEquals("| model                          |       size |     params | backend    | threads |          test |                  t/s |", lines[0]);
        assertEquals("| ------------------------------ | ---------: | ---------: | ---------- | ------: | ------------: | -------------------: |", lines[1]);
        assertEquals("| llama 1B Q4_0                  | 694.04 MiB |     1.24 B | CPU        |       2 |         pp512 |", lines[2].substring(0, lines[2].lastIndexOf('|', lines[2].length() - 2) + 1));
        assertTrue(lines[2].endsWith(" 426.67 ± 147.80 |"), lines[2]);
        assertEquals(lines[0].length(), lines[2].length(), "columns line up");
        assertTrue(lines[3].contains("|         tg128 |") && lines[3].contains("32.00 ± 0.00"), lines[3]);
        assertTrue(s.contains("build: quanta 0.1.0"));
        // the extras table: load ms, ttft, RSS and file + KV
        String extras = s.substring(s.indexOf("load ms"));
        assertTrue(extras.contains("| 813 |") || extras.contains("  813 |"), extras);
        assertTrue(extras.contains("1235 (pp512)"), extras);
        assertTrue(extras.contains("3.00 GiB (1.00 GiB + 2.00 GiB)"), extras);
        assertTrue(extras.contains("727.65 MiB + 16.00 MiB"), extras);
    }

    @Test
    void sizesAndParamsAsLlamaBenchPrintsThem() {
        assertEquals("727.75 MiB", BenchReport.Markdown.size(763_101_184L));
        assertEquals("2.30 GiB", BenchReport.Markdown.size(2_471_000_000L));
        assertEquals("0.29 M", BenchReport.Markdown.params(292_800));
        assertEquals("1.24 B", BenchReport.Markdown.params(1_235_814_400L));
    }

    @Test
    void numbersAsCppStreamsPrintThem() {
        assertEquals("20825.6", BenchReport.sig6(20825.6123));
        assertEquals("24520.9", BenchReport.sig6(24520.94));
        assertEquals("32", BenchReport.sig6(32.0));
        assertEquals("22673.250226", BenchReport.fixed6(22673.250226));
        assertFalse(BenchReport.escapeJson("a\"b\\c\n").contains("\n"));
        assertEquals("a\\\"b\\\\c\\u000a", BenchReport.escapeJson("a\"b\\c\n"));
    }

    @Test
    void unknownFormatIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchReport.Format.parse("sql"));
        assertTrue(e.getMessage().contains("'sql'") && e.getMessage().contains("csv"), e.getMessage());
        assertEquals(BenchReport.Format.JSON, BenchReport.Format.parse("json"));
    }

    /** RFC 4180 line: quoted fields with doubled quotes. */
    static List<String> parseCsvLine(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean q = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (q) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (c == '"') q = false;
                else cur.append(c);
            } else if (c == '"') q = true;
            else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else cur.append(c);
        }
        out.add(cur.toString());
        return out;
    }
}
