package dev.quanta.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.runtime.GenerationOptions;
import dev.quanta.runtime.GenerationResult;
import dev.quanta.runtime.Model;
import dev.quanta.runtime.ModelOptions;
import dev.quanta.runtime.Quanta;
import dev.quanta.runtime.Session;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole models through the runtime on the OpenCL device ({@code withBackend("opencl")}; PoCL in CI):
 * <ul>
 *   <li>stories260K: greedy 200 tokens from BOS are llama2.c's published text;
 *   <li>every model of ../shared/testdata/reference whose architecture the runtime supports, against
 *       llama.cpp's f32ref run with an F32 KV cache (reference/README.md): prompt logits and
 *       teacher-forced greedy rows within {@link #TOL}, greedy ids up to the first step whose
 *       top-1/top-2 margin is below 2·TOL.
 * </ul>
 * A compact version of the runtime's ReferenceModelsTest (a test class there, not reusable from here).
 * Skips with the reason when the machine has no OpenCL device or the test data is absent.
 */
class OpenClModelsTest {
    static final double TOL = 1e-3;

    @BeforeAll
    static void requireOpenCl() {
        TestDevices.requireDevice();
    }

    static Model load(Path gguf, int nCtx, GgmlType kv) {
        ModelOptions o = ModelOptions.of(gguf).withBackend("opencl").withContextLength(nCtx);
        Model m = Quanta.load(kv == null ? o : o.withKvCacheType(kv));
        assertEquals("opencl", m.backendName(), "the model must run on the OpenCL backend");
        return m;
    }

    @Test
    void stories260KGreedyFromBosIsLlama2cOutput() throws IOException {
        Path f = TestData.require("stories260K/stories260K.gguf");
        int[] want = ints(Files.readString(TestData.require("stories260K/greedy_t0_200steps.ids")));
        String text = Files.readString(TestData.require("stories260K/greedy_t0_200steps.txt"));
        try (Model m = load(f, 256, null); Session s = m.newSession()) {
            GenerationResult r = s.generate(new int[] {1}, GenerationOptions.defaults().withMaxTokens(200)
                    .withSampling(SamplerParams.greedy()), null);
            assertArrayEquals(want, r.tokens(), "greedy ids");
            assertEquals(text, r.text());
        }
    }

    static Stream<String> referenceModels() throws IOException {
        Path root = TestData.require("reference");
        List<String> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : dirs.sorted().toList()) {
                Path info = d.resolve("info.json");
                if (!Files.exists(info)) continue;
                String arch = field(Files.readString(info), "arch");
                if (Architectures.isSupported(arch)) out.add(d.getFileName().toString());
                else System.out.println("reference/" + d.getFileName() + ": architecture " + arch + " not supported by the runtime, skipped");
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceModels")
    void agreesWithLlamaCppF32Reference(String name) throws IOException {
        Path dir = TestData.require("reference/" + name);
        int[] prompt = ints(Files.readString(dir.resolve("prompt.ids")));
        int[] greedy = ints(Files.readString(dir.resolve("f32ref/greedy32.ids")));
        double[] margins = margins(dir.resolve("f32ref/greedy32_margins.txt"));
        long t0 = System.nanoTime();
        try (Model m = load(dir.resolve("model.gguf"), 128, GgmlType.F32); Session s = m.newSession()) {
            int nVocab = m.config().nVocab();
            double dPrompt = compare(s.evaluateAll(prompt), dir.resolve("f32ref"), "logits", nVocab, prompt.length);

            GenerationResult r = s.generate(prompt, GenerationOptions.defaults().withMaxTokens(greedy.length)
                    .withSampling(SamplerParams.greedy()).withIgnoreEos(true), null);
            int firstAmbiguous = greedy.length;
            for (int i = 0; i < margins.length; i++) if (margins[i] < 2 * TOL) { firstAmbiguous = i; break; }
            assertArrayEquals(Arrays.copyOf(greedy, firstAmbiguous), Arrays.copyOf(r.tokens(), firstAmbiguous),
                    name + ": greedy ids (compared up to step " + firstAmbiguous + ")");

            int[] forced = new int[prompt.length + greedy.length - 1];
            System.arraycopy(prompt, 0, forced, 0, prompt.length);
            System.arraycopy(greedy, 0, forced, prompt.length, greedy.length - 1);
            float[][] all = s.evaluateAll(forced);
            double dGreedy = compare(Arrays.copyOfRange(all, prompt.length - 1, forced.length), dir.resolve("f32ref"),
                    "greedy32_logits", nVocab, greedy.length);
            System.out.printf("opencl reference/%s: max |logit diff| prompt %.2e, greedy rows %.2e; greedy ids equal for %d steps (%d ms)%n",
                    name, dPrompt, dGreedy, firstAmbiguous, (System.nanoTime() - t0) / 1_000_000);
            assertTrue(dPrompt < TOL, name + ": prompt logits differ by " + dPrompt);
            assertTrue(dGreedy < TOL, name + ": teacher-forced greedy logits differ by " + dGreedy);
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
        return Arrays.stream(s.trim().split("[\\s,]+")).filter(x -> !x.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }

    static String field(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : "";
    }
}
