package dev.quanta.runtime.serving;

/**
 * A snapshot of a {@link ServingEngine}'s counters and gauges (for /metrics).
 *
 * @param slots                 slots in all
 * @param activeSlots           slots reading a prompt or generating
 * @param queued                requests waiting for a slot
 * @param kvCells               KV cells in all
 * @param kvCellsUsed           KV cells holding a token (cached prefixes of idle slots included)
 * @param promptTokens          prompt tokens evaluated since start (reused prefixes not counted)
 * @param promptSeconds         time the requests spent evaluating them (per request, summed)
 * @param generatedTokens       tokens generated since start
 * @param generateSeconds       time the requests spent generating (per request, summed)
 * @param steps                 batched forward passes run
 * @param requestsCompleted     generations and embeddings that ended normally
 * @param requestsCancelled     requests cancelled by their client
 * @param requestsFailed        requests that failed in the engine
 */
public record EngineStats(int slots, int activeSlots, int queued, int kvCells, int kvCellsUsed, long promptTokens,
                          double promptSeconds, long generatedTokens, double generateSeconds, long steps,
                          long requestsCompleted, long requestsCancelled, long requestsFailed) {
    /** Mean prompt evaluation speed of a request, tokens per second (0 before any). */
    public double promptTokensPerSecond() {
        return promptSeconds <= 0 ? 0 : promptTokens / promptSeconds;
    }

    /** Mean generation speed of a request, tokens per second (0 before any). */
    public double generatedTokensPerSecond() {
        return generateSeconds <= 0 ? 0 : generatedTokens / generateSeconds;
    }

    /** KV cells in use as a fraction. */
    public double kvUsage() {
        return kvCells == 0 ? 0 : (double) kvCellsUsed / kvCells;
    }
}
