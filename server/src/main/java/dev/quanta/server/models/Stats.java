package dev.quanta.server.models;

import dev.quanta.runtime.serving.EngineStats;

/** Sums of {@link EngineStats}. */
final class Stats {
    private Stats() {}

    static final EngineStats ZERO = new EngineStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    static EngineStats plus(EngineStats a, EngineStats b) {
        return new EngineStats(a.slots() + b.slots(), a.activeSlots() + b.activeSlots(), a.queued() + b.queued(),
                a.kvCells() + b.kvCells(), a.kvCellsUsed() + b.kvCellsUsed(), a.promptTokens() + b.promptTokens(),
                a.promptSeconds() + b.promptSeconds(), a.generatedTokens() + b.generatedTokens(),
                a.generateSeconds() + b.generateSeconds(), a.steps() + b.steps(), a.requestsCompleted() + b.requestsCompleted(),
                a.requestsCancelled() + b.requestsCancelled(), a.requestsFailed() + b.requestsFailed());
    }

    /** Only the counters of {@code s} (the gauges zero): what an unloaded engine leaves behind. */
    static EngineStats countersOf(EngineStats s) {
        return new EngineStats(0, 0, 0, 0, 0, s.promptTokens(), s.promptSeconds(), s.generatedTokens(), s.generateSeconds(),
                s.steps(), s.requestsCompleted(), s.requestsCancelled(), s.requestsFailed());
    }
}
