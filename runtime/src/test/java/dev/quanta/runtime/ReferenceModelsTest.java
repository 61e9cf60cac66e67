package dev.quanta.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.runtime.arch.Architectures;
import dev.quanta.runtime.sampling.SamplerParams;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every model of ../shared/testdata/reference whose architecture Quanta supports, in the two modes
 * reference/README.md describes:
 * <ol>
 *   <li><b>float32</b> ({@link #agreesWithLlamaCppF32Reference}): the reference backend (or
 *       -Dquanta.test.backend) with an F32 KV cache against llama.cpp's {@code f32ref/} run (weights
 *       dequantized exactly, F32 cache), within {@link #tolF32} (1e-3; gemma2 0.05, whose llama.cpp
 *       GELU is an f16 table);
 *   <li><b>as users run it</b> ({@link #agreesWithLlamaCppAsUsersRunIt}): the default backend choice (the
 *       CPU backend here, or -Dquanta.test.backend) with the default F16 KV cache against llama.cpp's main
 *       run (the file as stored, F16 cache), within the README's main-vs-f32ref spread ({@link #tolMain}).
 * </ol>
 * In both: logits at every prompt position; the greedy continuation up to the first step whose
 * top-1/top-2 margin is below twice the tolerance; teacher-forced, every greedy step's logits row.
 * Models with a 128K vocabulary have top-64 text files instead of full rows: those 64 logits are compared.
 * New model directories are picked up by themselves; an architecture Quanta does not support is skipped
 * with a printed reason.
 */
class ReferenceModelsTest {
    /** The backend of the float32 mode: reference (default) or another one, e.g. -Dquanta.test.backend=cuda. */
    static final String BACKEND_F32 = System.getProperty("quanta.test.backend", "reference");
    /** The backend of the users' mode: the default choice ("auto": the best probe, CPU here) unless set. */
    static final String BACKEND_MAIN = System.getProperty("quanta.test.backend", "auto");

    static Stream<String> models() throws IOException {
        Path root = TestData.require("reference");
        List<String> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : dirs.sorted().toList()) {
                Path info = d.resolve("info.json");
                if (!Files.exists(info)) continue;
                String arch = field(Files.readString(info), "arch");
                if (Architectures.isSupported(arch)) out.add(d.getFileName().toString());
                else System.out.println("reference/" + d.getFileName() + ": architecture " + arch + " not supported, skipped");
            }
        }
        return out.stream();
    }

    /** Float32 mode tolerance: the README's ~1e-3, gemma2 ~0.05 (llama.cpp's f16-table GELU over 26 layers). */
    static double tolF32(String info) {
        return field(info, "arch").equals("gemma2") ? 0.05 : 1e-3;
    }

    /**
     * Users' mode tolerance, from the README's typical max |main - f32ref|: 0.01-0.04 for F16/F32 files,
     * 0.04-0.12 for gemma2, 0.35-1.0 for quantized files (llama.cpp quantizes activations to Q8 blocks).
     */
    static double tolMain(String info) {
        if (!Pattern.compile("\"quant\"\\s*:\\s*null").matcher(info).find()) return 1.25; // quantized by llama-quantize
        return field(info, "arch").equals("gemma2") ? 0.15 : 0.06;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void agreesWithLlamaCppF32Reference(String name) throws IOException {
        Path dir = TestData.require("reference/" + name);
        double tol = tolF32(Files.readString(dir.resolve("info.json")));
        check(name, "f32ref", dir, dir.resolve("f32ref"), ModelOptions.of(dir.resolve("model.gguf")).withBackend(BACKEND_F32)
                .withContextLength(128).withKvCacheType(GgmlType.F32), tol);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void agreesWithLlamaCppAsUsersRunIt(String name) throws IOException {
        Path dir = TestData.require("reference/" + name);
        double tol = tolMain(Files.readString(dir.resolve("info.json")));
        check(name, "main", dir, dir, ModelOptions.of(dir.resolve("model.gguf")).withBackend(BACKEND_MAIN)
                .withContextLength(128), tol);
    }

    /** Prompt logits, greedy ids up to the first ambiguous step, teacher-forced greedy rows: all against {@code ref}. */
    static void check(String name, String mode, Path dir, Path ref, ModelOptions options, double tol) throws IOException {
        int[] prompt = ints(Files.readString(dir.resolve("prompt.ids")));
        int[] greedy = ints(Files.readString(ref.resolve("greedy32.ids")));
        double[] margins = margins(ref.resolve("greedy32_margins.txt"));
        requireBackend(options.backend());
        try (Model m = Quanta.load(options); Session s = m.newSession()) {
            String wanted = options.backend().split(":")[0].toLowerCase(java.util.Locale.ROOT);
            if (!wanted.equals("auto") && !wanted.equals(m.backendName())) {
                String why = "skipped: backend " + wanted + " was asked for (-Dquanta.test.backend) but " + m.backendName() + " runs: "
                        + String.join("; ", m.notices());
                System.out.println(why);
                org.junit.jupiter.api.Assumptions.abort(why);
            }
            int nVocab = m.config().nVocab();

            // 1. prompt logits, one batch, every position
            float[][] got = s.evaluateAll(prompt);
            double dPrompt = compare(got, ref, "logits", nVocab, prompt.length);

            // 2. greedy continuation through single-token decodes (up to the first ambiguous step)
            GenerationResult r = s.generate(prompt, GenerationOptions.defaults().withMaxTokens(greedy.length)
                    .withSampling(SamplerParams.greedy()).withIgnoreEos(true), null);
            int firstAmbiguous = greedy.length;
            for (int i = 0; i < margins.length; i++) if (margins[i] < 2 * tol) { firstAmbiguous = i; break; }
            assertArrayEquals(Arrays.copyOf(greedy, firstAmbiguous), Arrays.copyOf(r.tokens(), firstAmbiguous),
                    name + " (" + mode + "): greedy ids (compared up to step " + firstAmbiguous + ")");

            // 3. teacher-forced rows: prompt + greedy[0..30], rows n_prompt-1 ..
            int[] forced = new int[prompt.length + greedy.length - 1];
            System.arraycopy(prompt, 0, forced, 0, prompt.length);
            System.arraycopy(greedy, 0, forced, prompt.length, greedy.length - 1);
            float[][] all = s.evaluateAll(forced);
            float[][] rows = Arrays.copyOfRange(all, prompt.length - 1, forced.length);
            double dGreedy = compare(rows, ref, "greedy32_logits", nVocab, greedy.length);
            System.out.printf(Locale.ROOT, "reference/%s vs %s on %s (KV %s): max |logit diff| prompt %.2e, greedy rows %.2e (tolerance %.3g); greedy ids equal for %d steps%n",
                    name, mode, m.backendName(), m.options().kvCacheType(), dPrompt, dGreedy, tol, firstAmbiguous);
            assertTrue(dPrompt < tol, name + " (" + mode + "): prompt logits differ by " + dPrompt);
            assertTrue(dGreedy < tol, name + " (" + mode + "): teacher-forced greedy logits differ by " + dGreedy);
        }
    }

    /** Max |diff| against {@code base}.f32 (full rows) or {@code base}_top64.txt (id:logit pairs). */
    static double compare(float[][] got, Path dir, String base, int nVocab, int nRows) throws IOException {
        Path f32 = dir.resolve(base + ".f32");
        double max = 0;
        if (Files.exists(f32)) {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f32)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals((long) nRows * nVocab * 4, b.capacity(), f32 + " size");
            for (int r = 0; r < nRows; r++)
                for (int i = 0; i < nVocab; i++) max = Math.max(max, Math.abs(got[r][i] - b.getFloat((r * nVocab + i) * 4)));
            return max;
        }
        List<String> lines = Files.readAllLines(dir.resolve(base + "_top64.txt")).stream()
                .filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
        assertEquals(nRows, lines.size(), base + "_top64.txt rows");
        for (int r = 0; r < nRows; r++) {
            for (String pair : lines.get(r).trim().split("\\s+")) {
                int c = pair.indexOf(':');
                int id = Integer.parseInt(pair.substring(0, c));
                max = Math.max(max, Math.abs(got[r][id] - Double.parseDouble(pair.substring(c + 1))));
            }
        }
        return max;
    }

    static double[] margins(Path f) throws IOException {
        return Files.readAllLines(f).stream().filter(l -> !l.startsWith("#") && !l.isBlank())
                .mapToDouble(l -> Double.parseDouble(l.trim().split("\\s+")[5])).toArray();
    }

    static int[] ints(String s) {
        return Arrays.stream(s.trim().split("\\s+")).filter(x -> !x.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }

    static String field(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : "";
    }

    /** Skips (with the reason) when a backend was asked for with -Dquanta.test.backend but is not usable here. */
    static void requireBackend(String backend) {
        String wanted = backend.split(":")[0].toLowerCase(java.util.Locale.ROOT);
        if (wanted.equals("auto")) return;
        for (dev.quanta.kernels.backend.BackendProvider p : java.util.ServiceLoader.load(dev.quanta.kernels.backend.BackendProvider.class)) {
            if (!p.name().equals(wanted)) continue;
            dev.quanta.kernels.backend.Probe probe = p.probe();
            if (probe.usable()) return;
            String why = "skipped: backend " + wanted + " (-Dquanta.test.backend) is not usable here: " + probe.reason();
            System.out.println(why);
            org.junit.jupiter.api.Assumptions.abort(why);
        }
        String why = "skipped: backend " + wanted + " (-Dquanta.test.backend) is not on this module's class path";
        System.out.println(why);
        org.junit.jupiter.api.Assumptions.abort(why);
    }
}
