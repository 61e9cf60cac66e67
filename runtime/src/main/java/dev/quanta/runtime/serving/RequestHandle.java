package dev.quanta.runtime.serving;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A submitted request: the request thread reads its events in order with {@link #next} and may
 * {@link #cancel} it from any thread (a client that went away): the engine frees its slot at the
 * start of its next step.
 */
public final class RequestHandle {
    private final LinkedBlockingQueue<EngineEvent> events = new LinkedBlockingQueue<>();
    private final long id;
    private volatile boolean cancelled;

    RequestHandle(long id) {
        this.id = id;
    }

    /** A number unique within the engine. */
    public long id() { return id; }

    /** The next event, waiting at most {@code timeout}; null when none came in time. */
    public EngineEvent next(long timeout, TimeUnit unit) throws InterruptedException {
        return events.poll(timeout, unit);
    }

    /** The next event, waiting as long as it takes (the engine's request timeout bounds it). */
    public EngineEvent next() throws InterruptedException {
        return events.take();
    }

    /** Asks the engine to stop this request; safe from any thread, any number of times. */
    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() { return cancelled; }

    void post(EngineEvent e) {
        events.add(e);
    }
}
