package dev.quanta.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void meanAndSampleStddev() {
        double[] v = {2, 4, 4, 4, 5, 5, 7, 9};
        assertEquals(5.0, Stats.mean(v), 1e-12);
        // sum of squared deviations 32, n - 1 = 7
        assertEquals(Math.sqrt(32.0 / 7), Stats.stddev(v), 1e-12);
    }

    @Test
    void oneOrNoSampleHasNoSpread() {
        assertEquals(0, Stats.stddev(new double[] {3.5}));
        assertEquals(0, Stats.stddev(new double[0]));
        assertEquals(0, Stats.mean(new double[0]));
    }

    @Test
    void tokensPerSecondIsTokensOverSeconds() {
        assertArrayEquals(new double[] {512, 1024, 256}, Stats.tokensPerSecond(new long[] {1_000_000_000L, 500_000_000L, 2_000_000_000L}, 512), 1e-9);
    }

    @Test
    void resultUsesPromptPlusGeneratedTokensAndSamplesTs() {
        BenchResult r = Fixtures.result("m.gguf", "llama 1B Q4_0", "CPU", 0, 128, 1_000_000_000L, 2_000_000_000L);
        assertArrayEquals(new double[] {128, 64}, r.samplesTs(), 1e-9);
        assertEquals(96, r.avgTs(), 1e-9);
        assertEquals(Math.sqrt(2 * 32.0 * 32.0), r.stddevTs(), 1e-9);
        assertEquals(1_500_000_000L, r.avgNs());
        assertEquals("tg128", r.testName());
        assertEquals("pp512", Fixtures.result("m", "t", "CPU", 512, 0, 1).testName());
        assertEquals("pp512+tg128", Fixtures.result("m", "t", "CPU", 512, 128, 1).testName());
    }
}
