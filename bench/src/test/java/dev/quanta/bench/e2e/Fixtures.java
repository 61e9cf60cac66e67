package dev.quanta.bench.e2e;

/** Hand-made results for the formatter and chart tests. */
final class Fixtures {
    private Fixtures() {}

    static BenchResult result(String file, String type, String backend, int nPrompt, int nGen, long... samplesNs) {
        return new BenchResult("quanta 0.1.0-SNAPSHOT", 0, "AMD EPYC", "", backend, file, type, 727_750_000L, 1_235_814_400L,
                2048, 256, 2, "f16", "f16", 0, nPrompt, nGen, "2026-01-02T03:04:05Z", samplesNs, 812.5,
                nPrompt > 0 ? 1234.5 : Double.NaN, new ProcMemory(3L << 30, 1L << 30, 2L << 30), 16L << 20, 763_000_000L);
    }
}
