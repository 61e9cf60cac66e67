package dev.quanta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quanta.loader.quantize.LlamaFtype;
import dev.quanta.loader.synth.SynthModel;
import dev.quanta.loader.synth.SynthShape;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quanta bench} end to end on a tiny synthetic model (-p 8 -n 4 -r 1: a second or two). */
class BenchCommandTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        Run r = new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        oldErr.print(r.err);
        return r;
    }

    @Test
    void jsonRunOnATinyModel(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny-q8_0.gguf");
        SynthModel.write(new SynthModel.Spec(SynthShape.TINY, LlamaFtype.MOSTLY_Q8_0, 7, null, 1), model);
        Path svg = dir.resolve("chart.svg");
        Run r = run("bench", "-m", model.toString(), "-p", "8", "-n", "4", "-r", "1", "-t", "1", "--backend", "cpu",
                "-o", "json", "--plot", svg.toString());
        assertEquals(0, r.code, r.err);
        JsonNode arr = new ObjectMapper().readTree(r.out);
        assertEquals(2, arr.size(), r.out);
        JsonNode pp = arr.get(0), tg = arr.get(1);
        assertEquals(model.toString(), pp.get("model_filename").asText());
        assertEquals("llama ?B Q8_0", pp.get("model_type").asText());
        assertEquals(SynthShape.TINY.parameterCount(), pp.get("model_n_params").asLong());
        assertEquals("CPU", pp.get("backends").asText());
        assertEquals(1, pp.get("n_threads").asInt(), "-t reaches the CPU backend");
        assertEquals(8, pp.get("n_prompt").asInt());
        assertEquals(0, pp.get("n_gen").asInt());
        assertEquals(0, tg.get("n_prompt").asInt());
        assertEquals(4, tg.get("n_gen").asInt());
        for (JsonNode t : arr) {
            assertEquals(1, t.get("samples_ns").size());
            assertEquals(1, t.get("samples_ts").size());
            double ts = t.get("avg_ts").asDouble();
            int tokens = t.get("n_prompt").asInt() + t.get("n_gen").asInt();
            assertTrue(ts > 0, "t/s is positive");
            assertEquals(tokens * 1e9 / t.get("samples_ns").get(0).asLong(), ts, ts * 1e-5, "t/s = tokens / seconds");
            assertEquals(0, t.get("stddev_ts").asDouble(), "one repetition has no spread");
            assertEquals(Files.size(model), t.get("file_size").asLong());
            assertTrue(t.get("kv_cache_bytes").asLong() > 0);
            assertTrue(t.get("load_ms").asDouble() > 0);
        }
        assertTrue(pp.get("ttft_ms").asDouble() * 1e6 >= pp.get("samples_ns").get(0).asLong(), "first token comes after the prompt");
        assertTrue(tg.get("ttft_ms").isNull());
        if (Files.isReadable(Path.of("/proc/self/status"))) assertTrue(tg.get("rss_bytes").asLong() > 0);
        var f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        assertEquals("svg", f.newDocumentBuilder().parse(new ByteArrayInputStream(Files.readAllBytes(svg))).getDocumentElement().getTagName());
    }

    @Test
    void withoutModelsItWritesAndBenchmarksTheSyntheticSet(@TempDir Path dir) {
        Run r = run("bench", "--synth-shape", "tiny", "--synth-types", "Q4_0", "--synth-dir", dir.toString(),
                "-p", "8", "-n", "0", "-r", "1", "-t", "1", "--backend", "cpu");
        assertEquals(0, r.code, r.err);
        assertTrue(Files.isRegularFile(dir.resolve("tiny-Q4_0.gguf")), "the synthetic model is cached");
        String[] lines = r.out.split("\n");
        assertTrue(lines[0].startsWith("| model "), r.out);
        assertTrue(lines[2].startsWith("| llama ?B Q4_0 ") && lines[2].contains("|           pp8 |"), r.out);
        assertTrue(r.out.contains("load ms"), r.out);
    }

    @Test
    void csvHeaderAndBadOptions(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("m.gguf");
        SynthModel.write(new SynthModel.Spec(SynthShape.TINY, LlamaFtype.MOSTLY_Q4_0, 7, null, 1), model);
        Run r = run("bench", "-m", model.toString(), "-p", "0", "-n", "2", "-r", "1", "-t", "1", "--backend", "cpu", "-o", "csv");
        assertEquals(0, r.code, r.err);
        String[] lines = r.out.split("\n");
        assertEquals(2, lines.length, r.out);
        assertTrue(lines[0].startsWith("build_commit,build_number,cpu_info,gpu_info,backends,model_filename,model_type,model_size,model_n_params,"), lines[0]);
        assertTrue(lines[1].contains("\"llama ?B Q4_0\""), lines[1]);

        Run bad = run("bench", "-m", model.toString(), "-o", "xml");
        assertEquals(1, bad.code);
        assertTrue(bad.err.contains("unknown output format 'xml'"), bad.err);
        Run none = run("bench", "-m", model.toString(), "-p", "0", "-n", "0");
        assertEquals(1, none.code);
        assertTrue(none.err.contains("nothing to measure"), none.err);
        Run missing = run("bench", "-m", dir.resolve("absent.gguf").toString(), "-p", "4", "-n", "0", "-r", "1");
        assertEquals(1, missing.code);
        assertTrue(missing.err.contains("model file not found: ") && missing.err.contains("absent.gguf"), missing.err);
    }
}
