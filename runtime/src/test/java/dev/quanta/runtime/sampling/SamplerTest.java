package dev.quanta.runtime.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.testing.TestData;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {
    static final float[] L = {1f, 3f, 3f, 2f, -1f, 0.5f};

    @Test
    void greedyPicksTheLowestIdAmongTies() {
        assertEquals(1, new Sampler(SamplerParams.greedy()).sample(L));
    }

    @Test
    void logitBiasAndBansApplyBeforeGreedy() {
        SamplerParams p = SamplerParams.greedy().withLogitBias(Map.of(1, Float.NEGATIVE_INFINITY, 3, 0.5f));
        assertEquals(2, new Sampler(p).sample(L));
        assertEquals(3, new Sampler(p.withLogitBias(Map.of(1, -10f, 2, -10f))).sample(L));
    }

    @Test
    void repeatPenaltyDividesPositiveAndMultipliesNegative() {
        Sampler s = new Sampler(SamplerParams.greedy().withRepeatPenalty(2f));
        s.accept(1);
        s.accept(2);
        assertEquals(3, s.sample(L)); // 3/2 = 1.5 < 2
        float[] neg = {-1f, -0.6f};
        Sampler t = new Sampler(SamplerParams.greedy().withRepeatPenalty(2f));
        t.accept(1);
        assertEquals(0, t.sample(neg)); // -0.6 * 2 = -1.2 < -1
    }

    @Test
    void frequencyAndPresencePenaltiesCountOccurrencesInTheWindow() {
        Sampler s = new Sampler(SamplerParams.greedy().withFrequencyPenalty(0.6f).withPenaltyLastN(3));
        s.accept(1);
        s.accept(1);
        s.accept(5);
        assertEquals(2, s.sample(L)); // 3 - 1.2 = 1.8 for id 1
        s.accept(9);
        s.accept(9);
        s.accept(9); // id 1 left the window
        assertEquals(1, s.sample(L));
        Sampler p = new Sampler(SamplerParams.greedy().withPresencePenalty(1.5f));
        p.accept(1);
        p.accept(2);
        assertEquals(3, p.sample(L));
    }

    @Test
    void topKOneIsGreedyAndTheSeedMakesDrawsRepeatable() {
        long seed = TestData.seed("SamplerTest", 1234);
        Sampler k1 = new Sampler(SamplerParams.defaults().withTopK(1).withSeed(seed));
        for (int i = 0; i < 20; i++) assertEquals(1, k1.sample(L));
        Sampler a = new Sampler(SamplerParams.defaults().withTemperature(1.5f).withTopK(0).withTopP(1f).withMinP(0f).withSeed(seed));
        Sampler b = new Sampler(SamplerParams.defaults().withTemperature(1.5f).withTopK(0).withTopP(1f).withMinP(0f).withSeed(seed));
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int x = a.sample(L);
            assertEquals(x, b.sample(L));
            seen.add(x);
        }
        assertTrue(seen.size() >= 4, "high temperature should reach several tokens: " + seen);
    }

    @Test
    void topPAndMinPCutTheTail() {
        long seed = TestData.seed("SamplerTest.topP", 99);
        // softmax(L): ids 1 and 2 hold ~0.63; top-p 0.5 keeps only them
        Sampler p = new Sampler(SamplerParams.defaults().withTopK(0).withTopP(0.5f).withMinP(0f).withSeed(seed));
        for (int i = 0; i < 100; i++) {
            int x = p.sample(L);
            assertTrue(x == 1 || x == 2, "top-p kept " + x);
        }
        // min-p 0.3: keep p >= 0.3 * p_max, i.e. logit >= 3 + ln 0.3 = 1.80 -> ids 1, 2, 3
        Sampler m = new Sampler(SamplerParams.defaults().withTopK(0).withTopP(1f).withMinP(0.3f).withSeed(seed));
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 300; i++) seen.add(m.sample(L));
        assertEquals(Set.of(1, 2, 3), seen);
        // top-k 2 keeps the two best
        Sampler k = new Sampler(SamplerParams.defaults().withTopK(2).withTopP(1f).withMinP(0f).withSeed(seed));
        for (int i = 0; i < 100; i++) assertNotEquals(3, k.sample(L));
    }
}
