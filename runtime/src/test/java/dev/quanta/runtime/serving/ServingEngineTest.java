package dev.quanta.runtime.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.runtime.Model;
import dev.quanta.runtime.ModelOptions;
import dev.quanta.runtime.Quanta;
import dev.quanta.runtime.StopReason;
import dev.quanta.runtime.batch.Batch;
import dev.quanta.runtime.exec.InferenceContext;
import dev.quanta.runtime.exec.Logits;
import dev.quanta.runtime.sampling.SamplerParams;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The continuous-batching engine on stories260K (a real trained model): batched greedy output equals
 * the published llama2.c continuation and each request run alone; prefix reuse; chunked prefill does
 * not stall a running stream; cancellation, queue bound, prompt bound; embeddings from the final
 * hidden state.
 */
class ServingEngineTest {
    static Path file;
    static Model model;

    @BeforeAll
    static void load() {
        file = TestData.require("stories260K/stories260K.gguf");
        model = Quanta.load(ModelOptions.of(file).withBackend("cpu").withContextLength(256).withKvCacheType(GgmlType.F32));
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    record Result(List<Integer> ids, String text, Completion done) {}

    static Result collect(RequestHandle h) throws InterruptedException {
        List<Integer> ids = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        while (true) {
            EngineEvent e = h.next(60, TimeUnit.SECONDS);
            assertNotNull(e, "no event within 60 s");
            switch (e) {
                case EngineEvent.Token t -> {
                    if (t.id() >= 0) ids.add(t.id());
                    text.append(t.text());
                }
                case EngineEvent.Done d -> {
                    assertEquals(text.toString(), d.completion().text());
                    return new Result(ids, text.toString(), d.completion());
                }
                case EngineEvent.Failed f -> throw new AssertionError("request failed: " + f.message());
                case EngineEvent.Embedding x -> throw new AssertionError("unexpected embedding");
            }
        }
    }

    static int[] tokens(ServingEngine e, String text) {
        return e.tokenizer().encode(text, true, false);
    }

    static final String[] PROMPTS = {"Once upon a time", "Lily and Tom went to the park", "The little dog", "One day, a girl",
            "Tim had a red ball. He", "The sun was"};

    @Test
    void batchedGreedyEqualsThePublishedContinuationAndEachRequestAlone() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(TestData.require("stories260K/greedy_prompt_once_upon_a_time.json").toFile());
        List<int[]> prompts = new ArrayList<>();
        List<Result> alone = new ArrayList<>();
        try (ServingEngine e = ServingEngine.start(model, EngineOptions.defaults().withParallel(1).withSlotContext(128))) {
            for (String p : PROMPTS) {
                int[] ids = tokens(e, p);
                prompts.add(ids);
                alone.add(collect(e.submit(GenerateRequest.greedy(ids, 40))));
            }
            int[] refPrompt = new int[ref.get("prompt_ids_with_bos").size()];
            for (int i = 0; i < refPrompt.length; i++) refPrompt[i] = ref.get("prompt_ids_with_bos").get(i).asInt();
            assertArrayEquals(refPrompt, prompts.get(0), "tokenizer: " + PROMPTS[0]);
            for (int i = 0; i < alone.get(0).ids().size(); i++)
                assertEquals(ref.get("generated_ids").get(i).asInt(), alone.get(0).ids().get(i), "token " + i + " of the published continuation");
        }
        // the same six requests at once on four slots, with small prefill chunks that mix prompts and decoding
        try (ServingEngine e = ServingEngine.start(model, EngineOptions.defaults().withParallel(4).withSlotContext(128).withPrefillChunk(3))) {
            List<RequestHandle> hs = new ArrayList<>();
            for (int[] p : prompts) hs.add(e.submit(GenerateRequest.greedy(p, 40)));
            for (int i = 0; i < hs.size(); i++) {
                Result r = collect(hs.get(i));
                assertEquals(alone.get(i).ids(), r.ids(), "request " + i + " batched vs alone");
                assertEquals(alone.get(i).text(), r.text());
                assertEquals(prompts.get(i).length, r.done().promptTokens());
            }
            waitIdle(e);
            assertTrue(e.stats().steps() > 0);
            assertEquals(6, e.stats().requestsCompleted());
        }
    }

    @Test
    void aPromptThatExtendsACachedOneReusesItsCells() throws Exception {
        try (ServingEngine e = ServingEngine.start(model, EngineOptions.defaults().withParallel(2).withSlotContext(128))) {
            int[] first = tokens(e, "Once upon a time");
            Result r1 = collect(e.submit(GenerateRequest.greedy(first, 8)));
            assertEquals(0, r1.done().cachedTokens());
            // the next "turn": the first prompt, what was generated, and more text
            int[] second = concat(first, r1.ids().stream().mapToInt(Integer::intValue).toArray(), e.tokenizer().encode(" The end.", false, false));
            Result r2 = collect(e.submit(GenerateRequest.greedy(second, 8)));
            // every token of the first prompt and all but the last generated one were in the cache
            assertEquals(first.length + r1.ids().size() - 1, r2.done().cachedTokens());
            // same answer as from an empty cache
            try (ServingEngine fresh = ServingEngine.start(model, EngineOptions.defaults().withParallel(1).withSlotContext(128))) {
                assertEquals(collect(fresh.submit(GenerateRequest.greedy(second, 8))).ids(), r2.ids());
            }
        }
    }

    @Test
    void aLongPromptIsPrefilledInChunksWhileAnotherStreamKeepsGoing() throws Exception {
        try (ServingEngine e = ServingEngine.start(model, EngineOptions.defaults().withParallel(2).withSlotContext(256).withPrefillChunk(8))) {
            RequestHandle a = e.submit(new GenerateRequest(tokens(e, "Once upon a time"), 150, SamplerParams.greedy(), List.of(), true, -1));
            // wait until a is generating
            assertInstanceOf(EngineEvent.Token.class, a.next(30, TimeUnit.SECONDS));
            int[] longPrompt = new int[200];
            longPrompt[0] = 1;
            for (int i = 1; i < longPrompt.length; i++) longPrompt[i] = 300 + (i * 7) % 200;
            long stepsBefore = e.stats().steps();
            RequestHandle b = e.submit(GenerateRequest.greedy(longPrompt, 1));
            Result rb = collect(b);
            long stepsDuring = e.stats().steps() - stepsBefore;
            assertTrue(stepsDuring >= 200 / 8, "a 200-token prompt in 8-token chunks takes at least 25 steps, took " + stepsDuring);
            // a got a token in each of those steps (its first token was read above)
            List<Integer> ra = new ArrayList<>();
            EngineEvent ev;
            while (!(ev = a.next(30, TimeUnit.SECONDS)).isFinal()) ra.add(((EngineEvent.Token) ev).id());
            assertTrue(ra.size() >= 25, "the running stream got " + ra.size() + " tokens");
            assertEquals(1, rb.done().generatedTokens());
            assertEquals(StopReason.MAX_TOKENS, assertInstanceOf(EngineEvent.Done.class, ev).completion().reason());
        }
    }

    @Test
    void cancellingFreesTheSlotAtTheNextStep() throws Exception {
        try (ServingEngine e = ServingEngine.start(model, EngineOptions.defaults().withParallel(2).withSlotContext(256))) {
            RequestHandle h = e.submit(new GenerateRequest(tokens(e, "Once upon a time"), -1, SamplerParams.greedy(), List.of(), true, -1));
            for (int i = 0; i < 3; i++) assertInstanceOf(EngineEvent.Token.class, h.next(30, TimeUnit.SECONDS));
            long steps = e.stats().steps();
            h.cancel();
            EngineEvent last;
            do last = h.next(30, TimeUnit.SECONDS); while (last instanceof EngineEvent.Token);
            Completion c = assertInstanceOf(EngineEvent.Done.class, last).completion();
            assertEquals(StopReason.CANCELLED, c.reason());
            assertTrue(e.stats().steps() - steps <= 2, "slot freed " + (e.stats().steps() - steps) + " steps after cancel");
            waitIdle(e);
            assertEquals(1, e.stats().requestsCancelled());
        }
    }

    @Test
    void theQueueIsBoundedAndPromptsMustFit() throws Exception {
        try (ServingEngine e = ServingEngine.start(model, EngineOptions.defaults().withParallel(1).withSlotContext(64).withQueueCapacity(1))) {
            int[] once = tokens(e, "Once");
            GenerateRequest endless = new GenerateRequest(once, -1, SamplerParams.greedy(), List.of(), true, -1);
            RequestHandle running = e.submit(endless);
            assertInstanceOf(EngineEvent.Token.class, running.next(30, TimeUnit.SECONDS)); // it has the slot
            RequestHandle queued = e.submit(endless);
            assertThrows(EngineBusyException.class, () -> e.submit(endless));
            assertEquals(1, e.stats().queued());
            queued.cancel();
            assertInstanceOf(EngineEvent.Failed.class, drain(queued));
            // the running one ends when its slot is full: finish reason "length"
            Completion c = assertInstanceOf(EngineEvent.Done.class, drain(running)).completion();
            assertEquals(StopReason.CONTEXT_FULL, c.reason());
            assertEquals(64 - once.length + 1, c.generatedTokens()); // one more is sampled from the last cell's logits

            PromptTooLongException tooLong = assertThrows(PromptTooLongException.class, () -> e.submit(GenerateRequest.greedy(new int[65], 4)));
            assertTrue(tooLong.getMessage().contains("65 tokens"), tooLong.getMessage());
            assertThrows(IllegalArgumentException.class, () -> e.submit(GenerateRequest.greedy(new int[] {1, 512}, 4)));
        }
    }

    @Test
    void requestsPastTheirTimeLimitEnd() throws Exception {
        try (ServingEngine e = ServingEngine.start(model, EngineOptions.defaults().withParallel(1).withSlotContext(256)
                .withRequestTimeout(Duration.ofMillis(300)))) {
            GenerateRequest endless = new GenerateRequest(tokens(e, "Once"), -1, SamplerParams.greedy().withSeed(1), List.of(), true, -1);
            RequestHandle a = e.submit(endless);
            EngineEvent last = drain(a);
            // either the slot filled up first (a fast machine) or time ran out
            Completion c = assertInstanceOf(EngineEvent.Done.class, last).completion();
            assertTrue(c.timedOut() || c.reason() == StopReason.CONTEXT_FULL, c.toString());
        }
    }

    @Test
    void stopStringsAndLogprobs() throws Exception {
        try (ServingEngine e = ServingEngine.start(model, EngineOptions.defaults().withParallel(1).withSlotContext(128))) {
            int[] p = tokens(e, "Once upon a time");
            Result full = collect(e.submit(new GenerateRequest(p, 30, SamplerParams.greedy(), List.of(), false, 3)));
            String stop = full.text().substring(10, 14);
            Result cut = collect(e.submit(new GenerateRequest(p, 30, SamplerParams.greedy(), List.of(stop), false, -1)));
            assertEquals(StopReason.STOP_STRING, cut.done().reason());
            assertEquals(full.text().substring(0, full.text().indexOf(stop)), cut.text());

            RequestHandle h = e.submit(new GenerateRequest(p, 5, SamplerParams.greedy(), List.of(), false, 3));
            for (EngineEvent ev = h.next(30, TimeUnit.SECONDS); !ev.isFinal(); ev = h.next(30, TimeUnit.SECONDS)) {
                EngineEvent.Token t = (EngineEvent.Token) ev;
                if (t.id() < 0) continue;
                TokenLogprob lp = t.logprob();
                assertEquals(t.id(), lp.id());
                assertEquals(3, lp.top().size());
                assertEquals(t.id(), lp.top().get(0).id(), "greedy picks the most likely token");
                assertEquals(lp.logprob(), lp.top().get(0).logprob(), 0f);
                assertTrue(lp.top().get(1).logprob() <= lp.top().get(0).logprob() && lp.logprob() <= 0);
            }
        }
    }

    @Test
    void embeddingsPoolTheFinalHiddenState() throws Exception {
        try (ServingEngine e = ServingEngine.start(model, EngineOptions.defaults().withParallel(2).withSlotContext(64).withPrefillChunk(3))) {
            int[] p = tokens(e, "Lily and Tom went to the park");
            float[] last = embedding(e.embed(p, Pooling.LAST));
            float[] mean = embedding(e.embed(p, Pooling.MEAN));
            assertEquals(1.0, norm(last), 1e-5);
            assertEquals(1.0, norm(mean), 1e-5);
            assertEquals(model.config().nEmbd(), last.length);
            // the same states straight from the context: the last token's, and the mean of all
            try (InferenceContext c = model.newContext(64, GgmlType.F32)) {
                Batch b = new Batch();
                for (int i = 0; i < p.length; i++) b.add(p[i], i, 0, true);
                Logits l = c.decode(b, true);
                double[] sum = new double[last.length];
                for (int i = 0; i < p.length; i++) {
                    float[] h = l.hiddenOfToken(i);
                    for (int k = 0; k < h.length; k++) sum[k] += h[k];
                }
                float[] h = l.hiddenOfToken(p.length - 1);
                double n = norm(h);
                for (int k = 0; k < h.length; k++) assertEquals(h[k] / n, last[k], 1e-5);
                double ns = 0;
                for (double x : sum) ns += x * x;
                ns = Math.sqrt(ns);
                for (int k = 0; k < h.length; k++) assertEquals(sum[k] / ns, mean[k], 1e-5);
                // the hidden state is what the output projection reads: logits = W_out · h
                assertLogitsFollowFromHidden(l, p.length - 1);
            }
        }
    }

    /** logits[v] = dot(output row v, hidden) with the file's F32 output (or tied embedding) matrix. */
    static void assertLogitsFollowFromHidden(Logits l, int token) {
        var f = model.file();
        var t = f.tensor("output.weight") != null ? f.tensor("output.weight") : f.tensor("token_embd.weight");
        assertEquals(GgmlType.F32, t.type());
        var seg = f.tensorData(t);
        float[] h = l.hiddenOfToken(token), logits = l.ofToken(token);
        int nEmbd = h.length;
        for (int v = 0; v < logits.length; v += 37) {
            double dot = 0;
            for (int k = 0; k < nEmbd; k++) dot += seg.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, (long) v * nEmbd + k) * h[k];
            assertEquals(dot, logits[v], 1e-3, "logit " + v);
        }
    }

    static float[] embedding(RequestHandle h) throws InterruptedException {
        return assertInstanceOf(EngineEvent.Embedding.class, h.next(30, TimeUnit.SECONDS)).vector();
    }

    static double norm(float[] v) {
        double s = 0;
        for (float x : v) s += (double) x * x;
        return Math.sqrt(s);
    }

    static EngineEvent drain(RequestHandle h) throws InterruptedException {
        EngineEvent e;
        do {
            e = h.next(60, TimeUnit.SECONDS);
            assertNotNull(e);
        } while (!e.isFinal());
        return e;
    }

    static void waitIdle(ServingEngine e) throws InterruptedException {
        for (int i = 0; i < 200 && e.stats().activeSlots() > 0; i++) Thread.sleep(10);
        assertEquals(0, e.stats().activeSlots(), e.slotStates().toString());
    }

    static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) n += p.length;
        int[] r = new int[n];
        int k = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, r, k, p.length);
            k += p.length;
        }
        return r;
    }

    @Test
    void manyThreadsAtOnce() throws Exception {
        try (ServingEngine e = ServingEngine.start(model, EngineOptions.defaults().withParallel(4).withSlotContext(96));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            int[] p = tokens(e, "The little dog");
            List<Integer> expected = collect(e.submit(GenerateRequest.greedy(p, 20))).ids();
            List<Future<List<Integer>>> fs = new ArrayList<>();
            for (int i = 0; i < 12; i++) fs.add(pool.submit(() -> collect(e.submit(GenerateRequest.greedy(p, 20))).ids()));
            for (Future<List<Integer>> f : fs) assertEquals(expected, f.get(60, TimeUnit.SECONDS));
            waitIdle(e);
        }
    }
}
