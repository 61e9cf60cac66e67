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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every model of ../shared/testdata/reference whose architecture Quanta supports, against llama.cpp's
 * f32ref run (weights dequantized exactly, F32 KV cache; see reference/README.md):
 * <ul>
 *   <li>logits at every prompt position within {@link #TOL};
 *   <li>the greedy continuation up to the first step whose top-1/top-2 margin is below the tolerance;
 *   <li>teacher-forced: every greedy step's full logits row within {@link #TOL}.
 * </ul>
 * Models with a 128K vocabulary have top-64 text files instead of full rows: those 64 logits are compared.
 * New model directories are picked up by themselves.
 */
class ReferenceModelsTest {
    static final double TOL = 1e-3;
    /** The backend under test: reference (default) or another one, e.g. -Dquanta.test.backend=cuda on a GPU machine. */
    static final String BACKEND = System.getProperty("quanta.test.backend", "reference");

    static Stream<String> models() throws IOException {
        Path root = TestData.require("reference");
        List<String> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : dirs.sorted().toList()) {
                Path info = d.resolve("info.json");
                if (!Files.exists(info)) continue;
                String arch = field(Files.readString(info), "arch");
                if (Architectures.isSupported(arch)) out.add(d.getFileName().toString());
                else System.out.println("reference/" + d.getFileName() + ": architecture " + arch + " not supported yet, skipped");
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void agreesWithLlamaCppF32Reference(String name) throws IOException {
        Path dir = TestData.require("reference/" + name);
        int[] prompt = ints(Files.readString(dir.resolve("prompt.ids")));
        int[] greedy = ints(Files.readString(dir.resolve("f32ref/greedy32.ids")));
        double[] margins = margins(dir.resolve("f32ref/greedy32_margins.txt"));
        try (Model m = Quanta.load(ModelOptions.of(dir.resolve("model.gguf")).withBackend(BACKEND)
                .withContextLength(128).withKvCacheType(GgmlType.F32));
             Session s = m.newSession()) {
            int nVocab = m.config().nVocab();

            // 1. prompt logits, one batch, every position
            float[][] got = s.evaluateAll(prompt);
            double dPrompt = compare(got, dir.resolve("f32ref"), "logits", nVocab, prompt.length);

            // 2. greedy continuation through single-token decodes (up to the first ambiguous step)
            GenerationResult r = s.generate(prompt, GenerationOptions.defaults().withMaxTokens(greedy.length)
                    .withSampling(SamplerParams.greedy()).withIgnoreEos(true), null);
            int firstAmbiguous = greedy.length;
            for (int i = 0; i < margins.length; i++) if (margins[i] < 2 * TOL) { firstAmbiguous = i; break; }
            assertArrayEquals(Arrays.copyOf(greedy, firstAmbiguous), Arrays.copyOf(r.tokens(), firstAmbiguous),
                    name + ": greedy ids (compared up to step " + firstAmbiguous + ")");

            // 3. teacher-forced rows: prompt + greedy[0..30], rows n_prompt-1 ..
            int[] forced = new int[prompt.length + greedy.length - 1];
            System.arraycopy(prompt, 0, forced, 0, prompt.length);
            System.arraycopy(greedy, 0, forced, prompt.length, greedy.length - 1);
            float[][] all = s.evaluateAll(forced);
            float[][] rows = Arrays.copyOfRange(all, prompt.length - 1, forced.length);
            double dGreedy = compare(rows, dir.resolve("f32ref"), "greedy32_logits", nVocab, greedy.length);
            System.out.printf("reference/%s on " + m.backendName() + ": max |logit diff| prompt %.2e, greedy rows %.2e; greedy ids equal for %d steps%n",
                    name, dPrompt, dGreedy, firstAmbiguous);
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
        return Arrays.stream(s.trim().split("\\s+")).filter(x -> !x.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }

    static String field(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : "";
    }
}
