package dev.quanta.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.runtime.sampling.SamplerParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Karpathy's stories260K: llama2.c's published greedy output, the greedy prompt continuation, the logits after BOS. */
class Stories260KTest {
    static Model model;

    @BeforeAll
    static void load() {
        Path f = TestData.require("stories260K/stories260K.gguf");
        model = Quanta.load(ModelOptions.of(f).withBackend("reference").withContextLength(256));
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    static int[] ints(String s) {
        return Arrays.stream(s.trim().split("[\\s,]+")).filter(x -> !x.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }

    @Test
    void logitsAfterBosMatchReference() throws IOException {
        float[] want = new float[512];
        String[] lines = Files.readString(TestData.require("stories260K/logits_pos0_after_bos.txt")).trim().split("\\s+");
        assertEquals(512, lines.length);
        for (int i = 0; i < 512; i++) want[i] = Float.parseFloat(lines[i]);
        // the reference is float64: compare with an F32 KV cache (F16 rounds V, ~1e-3 here)
        try (Model m = Quanta.load(ModelOptions.of(model.path()).withBackend("reference").withContextLength(8).withKvCacheType(GgmlType.F32));
             Session s = m.newSession()) {
            float[] got = s.evaluate(new int[] {1});
            double max = 0;
            for (int i = 0; i < 512; i++) max = Math.max(max, Math.abs(got[i] - want[i]));
            System.out.println("stories260K logits after BOS: max |diff| = " + max);
            assertTrue(max < 1e-4, "max |logit diff| " + max);
        }
    }

    @Test
    void greedyFromBosIsLlama2cOutput() throws IOException {
        int[] want = ints(Files.readString(TestData.require("stories260K/greedy_t0_200steps.ids")));
        String text = Files.readString(TestData.require("stories260K/greedy_t0_200steps.txt"));
        GenerationOptions o = GenerationOptions.defaults().withMaxTokens(200).withSampling(SamplerParams.greedy());
        try (Session s = model.newSession()) {
            StringBuilder streamed = new StringBuilder();
            GenerationResult r = s.generate(new int[] {1}, o, streamed::append);
            assertArrayEquals(want, r.tokens());
            assertEquals(StopReason.MAX_TOKENS, r.reason());
            assertEquals(text, r.text());
            assertEquals(text, streamed.toString());
        }
    }

    @Test
    void greedyContinuationOfOnceUponATime() throws IOException {
        String json = Files.readString(TestData.require("stories260K/greedy_prompt_once_upon_a_time.json"));
        int[] prompt = ints(array(json, "prompt_ids_with_bos"));
        int[] want = ints(array(json, "generated_ids"));
        GenerationOptions o = GenerationOptions.defaults().withMaxTokens(want.length).withSampling(SamplerParams.greedy());
        try (Session s = model.newSession()) {
            GenerationResult r = s.generate(prompt, o, null);
            assertArrayEquals(want, r.tokens());
        }
    }

    @Test
    void textPromptIsTokenizedAndContinued() throws IOException {
        String json = Files.readString(TestData.require("stories260K/greedy_prompt_once_upon_a_time.json"));
        int[] prompt = ints(array(json, "prompt_ids_with_bos"));
        int[] want = ints(array(json, "generated_ids"));
        assertArrayEquals(prompt, model.tokenize("Once upon a time", true));
        GenerationOptions o = GenerationOptions.defaults().withMaxTokens(want.length).withSampling(SamplerParams.greedy());
        try (Session s = model.newSession()) {
            GenerationResult r = s.generate("Once upon a time", o, null);
            assertArrayEquals(want, r.tokens());
            assertEquals(model.detokenize(want), r.text());
            assertTrue(r.text().startsWith(", there was a little girl named Lily."), r.text());
            assertEquals(prompt.length, r.timings().promptTokens());
        }
    }

    @Test
    void stopStringEndsGenerationBeforeIt() {
        GenerationOptions o = GenerationOptions.defaults().withMaxTokens(200).withSampling(SamplerParams.greedy())
                .withStopStrings(java.util.List.of("Lily"));
        try (Session s = model.newSession()) {
            StringBuilder streamed = new StringBuilder();
            GenerationResult r = s.generate("", o, streamed::append);
            assertEquals(StopReason.STOP_STRING, r.reason());
            assertEquals("Once upon a time, there was a little girl named ", r.text());
            assertEquals(r.text(), streamed.toString());
        }
    }

    @Test
    void chatGoesThroughTheTemplateAndKeepsHistory() {
        try (Session s = model.newSession()) {
            s.setSystemPrompt("Tell a story.");
            GenerationOptions o = GenerationOptions.defaults().withMaxTokens(8).withSampling(SamplerParams.greedy());
            GenerationResult a = s.chat("Hello", o, null);
            assertEquals(8, a.tokens().length);
            int afterFirst = s.tokens().length;
            GenerationResult b = s.chat("More", o, null);
            assertEquals(4, s.history().size());
            assertEquals(a.text(), s.history().get(1).content());
            // the second turn reuses the cached conversation: fewer prompt tokens than the whole conversation
            assertTrue(b.timings().promptTokens() < s.tokens().length - b.tokens().length,
                    b.timings().promptTokens() + " prompt tokens evaluated, " + afterFirst + " cached");
            String rendered = model.chatTemplate().render(java.util.List.of(
                    dev.quanta.loader.template.ChatMessage.system("Tell a story."),
                    dev.quanta.loader.template.ChatMessage.user("Hello")), true);
            assertTrue(rendered.contains("Hello") && rendered.contains("Tell a story."), rendered);
            s.reset();
            assertEquals(0, s.history().size());
            assertEquals(0, s.tokens().length);
        }
    }

    @Test
    void f32AndQ8KvCachesGiveTheSameGreedyStart() throws IOException {
        int[] want = ints(Files.readString(TestData.require("stories260K/greedy_t0_200steps.ids")));
        for (GgmlType kv : new GgmlType[] {GgmlType.F32, GgmlType.Q8_0}) {
            try (Model m = Quanta.load(ModelOptions.of(model.path()).withBackend("reference").withContextLength(64).withKvCacheType(kv));
                 Session s = m.newSession()) {
                GenerationResult r = s.generate(new int[] {1}, GenerationOptions.defaults().withMaxTokens(40)
                        .withSampling(SamplerParams.greedy()), null);
                assertArrayEquals(Arrays.copyOf(want, 40), r.tokens(), "KV cache " + kv);
            }
        }
    }

    static String array(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(json);
        if (!m.find()) throw new AssertionError("no " + key + " in json");
        return m.group(1);
    }
}
