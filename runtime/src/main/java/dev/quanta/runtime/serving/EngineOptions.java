package dev.quanta.runtime.serving;

import dev.quanta.kernels.GgmlType;
import java.time.Duration;

/**
 * How a {@link ServingEngine} divides its model context.
 *
 * @param parallel       slots: requests that generate at the same time (1..{@value #MAX_PARALLEL})
 * @param slotContext    KV cells (tokens: prompt plus generated) of each slot; 0 = the model's context length
 * @param queueCapacity  requests that may wait for a free slot; one more is refused ({@link EngineBusyException})
 * @param prefillChunk   prompt tokens evaluated per step, across all slots that are reading a prompt
 * @param kvType         KV cache type (null: the model's {@code kvCacheType})
 * @param requestTimeout longest time a request may take from submission (waiting included)
 */
public record EngineOptions(int parallel, int slotContext, int queueCapacity, int prefillChunk, GgmlType kvType,
                            Duration requestTimeout) {
    /** The most slots one engine runs (KV cells carry a 64-bit sequence set). */
    public static final int MAX_PARALLEL = 63;

    public EngineOptions {
        if (parallel < 1 || parallel > MAX_PARALLEL)
            throw new IllegalArgumentException("parallel slots must be in 1.." + MAX_PARALLEL + ", got " + parallel);
        if (slotContext < 0) throw new IllegalArgumentException("slot context must be >= 0, got " + slotContext);
        if (queueCapacity < 0) throw new IllegalArgumentException("queue capacity must be >= 0, got " + queueCapacity);
        if (prefillChunk < 1) throw new IllegalArgumentException("prefill chunk must be >= 1, got " + prefillChunk);
        if (requestTimeout == null) requestTimeout = Duration.ofMinutes(10);
        if (requestTimeout.isNegative() || requestTimeout.isZero())
            throw new IllegalArgumentException("request timeout must be positive, got " + requestTimeout);
    }

    /** 4 slots of the model's context length, 64 waiting requests, 256-token prefill chunks, 10 minute timeout. */
    public static EngineOptions defaults() {
        return new EngineOptions(4, 0, 64, 256, null, Duration.ofMinutes(10));
    }

    public EngineOptions withParallel(int n) { return new EngineOptions(n, slotContext, queueCapacity, prefillChunk, kvType, requestTimeout); }
    public EngineOptions withSlotContext(int n) { return new EngineOptions(parallel, n, queueCapacity, prefillChunk, kvType, requestTimeout); }
    public EngineOptions withQueueCapacity(int n) { return new EngineOptions(parallel, slotContext, n, prefillChunk, kvType, requestTimeout); }
    public EngineOptions withPrefillChunk(int n) { return new EngineOptions(parallel, slotContext, queueCapacity, n, kvType, requestTimeout); }
    public EngineOptions withKvType(GgmlType t) { return new EngineOptions(parallel, slotContext, queueCapacity, prefillChunk, t, requestTimeout); }
    public EngineOptions withRequestTimeout(Duration d) { return new EngineOptions(parallel, slotContext, queueCapacity, prefillChunk, kvType, d); }
}
