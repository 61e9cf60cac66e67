package dev.quanta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.testing.TestData;
import dev.quanta.runtime.Model;
import dev.quanta.runtime.ModelOptions;
import dev.quanta.runtime.Quanta;
import dev.quanta.runtime.Session;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** quanta run with a text prompt, chat through stdin, perplexity, the demo model, prompt/context errors. */
class ChatAndScoringCommandsTest {
    static String stories() {
        return TestData.require("stories260K/stories260K.gguf").toString();
    }

    @Test
    void runEchoesThePromptAndContinuesIt() {
        CliHarness.Result r = CliHarness.run("run", "-m", stories(), "-p", "Once upon a time", "-n", "12", "--temp", "0", "--backend", "reference");
        assertEquals(0, r.code(), r.err());
        assertEquals("Once upon a time, there was a little girl named Lily. She", r.out()); // 12 tokens: "L", "ily" are two
        assertTrue(r.err().contains("5 tokens") && r.err().contains("12 tokens"), r.err());
    }

    @Test
    void systemPromptSendsThePromptThroughTheChatTemplate() {
        CliHarness.Result r = CliHarness.run("run", "-m", stories(), "--system", "Tell a story.", "-p", "Hello", "-n", "5", "--temp", "0", "--backend", "reference");
        assertEquals(0, r.code(), r.err());
        assertTrue(!r.out().startsWith("Hello"), "the chat prompt is not echoed: " + r.out());
        assertTrue(r.err().contains("5 tokens"), r.err());
    }

    @Test
    void promptLongerThanTheContextIsOneClearLine() {
        CliHarness.Result r = CliHarness.run("run", "-m", stories(), "-p", "Once upon a time there was a dog", "-c", "4", "--backend", "reference");
        RunCommandTest.assertOneLineError(r, "longer than the context of 4 tokens");
    }

    @Test
    void fullContextStopsWithAMessage() {
        CliHarness.Result r = CliHarness.run("run", "-m", stories(), "-p", "", "-c", "8", "-n", "50", "--temp", "0", "--backend", "reference");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("context full (8 tokens)") && r.err().contains("--context-shift"), r.err());
        CliHarness.Result s = CliHarness.run("run", "-m", stories(), "-p", "", "-c", "8", "-n", "50", "--temp", "0", "--context-shift", "--backend", "reference");
        assertEquals(0, s.code(), s.err());
        assertTrue(s.err().contains("50 tokens"), s.err());
    }

    @Test
    void chatReadsTurnsAndCommandsFromStdin() {
        CliHarness.Result r = CliHarness.runWithInput("Hello\n/reset\nOnce more\n/exit\nnever read\n",
                "chat", "-m", stories(), "-n", "6", "--temp", "0", "--backend", "reference");
        assertEquals(0, r.code(), r.err());
        assertEquals(5, r.out().split("> ", -1).length, "four prompts (Hello, /reset, Once more, /exit): " + r.out());
        assertTrue(r.err().contains("conversation cleared"), r.err());
        assertTrue(r.err().contains("chat template"), r.err());
    }

    @Test
    void perplexityMatchesTheDefinition(@TempDir Path dir) throws IOException {
        Path text = TestData.require("stories260K/greedy_t0_200steps.txt");
        CliHarness.Result r = CliHarness.run("perplexity", "-m", stories(), "-f", text.toString(), "-c", "64", "--kv-type", "f32", "--backend", "reference");
        assertEquals(0, r.code(), r.err());
        Matcher m = Pattern.compile("Final estimate: PPL = ([0-9.]+) \\+/- ([0-9.]+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        double ppl = Double.parseDouble(m.group(1));

        // the same number by hand: windows of 64, first token -> BOS, score positions 32..62
        try (Model model = Quanta.load(ModelOptions.of(Path.of(stories())).withBackend("reference").withContextLength(64)
                .withKvCacheType(dev.quanta.kernels.GgmlType.F32))) {
            int[] toks = model.tokenize(Files.readString(text), true);
            int chunks = toks.length / 64;
            assertTrue(chunks >= 2);
            double nll = 0;
            int count = 0;
            try (Session s = model.newSession()) {
                for (int c = 0; c < chunks; c++) {
                    int[] w = java.util.Arrays.copyOfRange(toks, c * 64, c * 64 + 64);
                    w[0] = 1;
                    float[][] l = s.evaluateAll(w);
                    for (int j = 32; j < 63; j++) {
                        nll -= PerplexityCommand.logSoftmax(l[j], toks[c * 64 + j + 1]);
                        count++;
                    }
                }
            }
            double want = Math.exp(nll / count);
            assertEquals(want, ppl, 1e-3 * want, r.out());
            assertTrue(ppl > 1 && ppl < 3, "stories260K on its own greedy text should be near-certain: " + ppl);
        }
        CliHarness.Result small = CliHarness.run("perplexity", "-m", stories(), "-f", text.toString(), "-c", "512", "--backend", "reference");
        RunCommandTest.assertOneLineError(small, "needs at least 1024");
    }

    @Test
    void withoutAModelTheDemoModelIsMadeAndUsed(@TempDir Path dir) {
        String old = System.getProperty("quanta.demo.dir");
        System.setProperty("quanta.demo.dir", dir.toString());
        try {
            if (System.getenv("QUANTA_MODEL") != null) return; // the environment chooses a model: nothing to test
            CliHarness.Result r = CliHarness.run("run", "-p", "Hello", "-n", "4", "--backend", "reference");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("random weights") && r.err().contains("gibberish"), r.err());
            assertTrue(Files.exists(dir.resolve(RunCommand.DemoModel.FILE)));
            assertTrue(r.out().startsWith("Hello"), r.out());
        } finally {
            if (old == null) System.clearProperty("quanta.demo.dir");
            else System.setProperty("quanta.demo.dir", old);
        }
    }
}
