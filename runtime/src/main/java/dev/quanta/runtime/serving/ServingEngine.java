package dev.quanta.runtime.serving;

import dev.quanta.kernels.GgmlType;
import dev.quanta.loader.template.ChatTemplate;
import dev.quanta.loader.tokenizer.Tokenizer;
import dev.quanta.runtime.Model;
import dev.quanta.runtime.QuantaException;
import dev.quanta.runtime.StopReason;
import dev.quanta.runtime.batch.Batch;
import dev.quanta.runtime.exec.InferenceContext;
import dev.quanta.runtime.exec.Logits;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Continuous batching over one model, as llama.cpp's server does it. The engine has
 * {@link EngineOptions#parallel()} slots; each slot is a sequence id in one shared
 * {@link InferenceContext} with at most {@link #slotContext()} KV cells. A submitted request
 * waits in a bounded queue until a slot is free, then:
 * <ul>
 *   <li>its prompt is evaluated in chunks ({@link EngineOptions#prefillChunk()} tokens per step
 *       across all slots), in the same batch as the other slots' next tokens, so a long prompt
 *       does not stall the streams already running;</li>
 *   <li>every step decodes one token for every generating slot in one batched forward pass;</li>
 *   <li>the slot keeps the tokens it evaluated when the request ends: the next request that starts
 *       with the same tokens (the next turn of a chat) is given that slot and evaluates only the
 *       rest (prefix reuse).</li>
 * </ul>
 * One platform thread (the engine thread) owns the context and runs the loop; request threads
 * (virtual threads of a server) call {@link #submit} / {@link #embed} and read {@link EngineEvent}s
 * from their {@link RequestHandle}. A cancelled request frees its slot at the next step; a request
 * past its time limit ends as if it had reached its token limit.
 *
 * <pre>{@code
 * try (ServingEngine engine = ServingEngine.start(model, EngineOptions.defaults().withParallel(8))) {
 *     RequestHandle h = engine.submit(GenerateRequest.greedy(engine.tokenizer().encode("Once upon", true, false), 32));
 *     for (EngineEvent e = h.next(); ; e = h.next()) {
 *         if (e instanceof EngineEvent.Token t) System.out.print(t.text());
 *         if (e.isFinal()) break;
 *     }
 * }
 * }</pre>
 */
public final class ServingEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ServingEngine.class.getName());

    private final Model model;
    private final EngineOptions options;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final InferenceContext ctx;
    private final int slotContext;
    private final Slot[] slots;
    private final LinkedBlockingQueue<Job> incoming = new LinkedBlockingQueue<>();
    private final ArrayDeque<Job> waiting = new ArrayDeque<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private boolean closed;
    private volatile Throwable crashed;

    // statistics (written by the engine thread, read by anyone)
    private volatile int activeSlots;
    private volatile int kvUsed;
    private final AtomicLong promptTokens = new AtomicLong(), generatedTokens = new AtomicLong(), steps = new AtomicLong();
    private final AtomicLong promptNanos = new AtomicLong(), generateNanos = new AtomicLong();
    private final AtomicLong completed = new AtomicLong(), cancelled = new AtomicLong(), failed = new AtomicLong();

    private ServingEngine(Model model, EngineOptions options) {
        this.model = model;
        this.options = options;
        this.tokenizer = model.tokenizer();
        this.template = model.chatTemplate() != null ? model.chatTemplate() : ChatTemplate.builtin("chatml");
        this.slotContext = options.slotContext() > 0 ? options.slotContext() : model.contextLength();
        long cells = (long) slotContext * options.parallel();
        if (cells > Integer.MAX_VALUE) throw new QuantaException("KV cache of " + cells + " cells is too large");
        GgmlType kvType = options.kvType() != null ? options.kvType() : model.options().kvCacheType();
        this.ctx = model.newContext((int) cells, kvType);
        this.slots = new Slot[options.parallel()];
        for (int i = 0; i < slots.length; i++) slots[i] = new Slot(i);
        this.thread = Thread.ofPlatform().name("quanta-engine").daemon(true).unstarted(this::loop);
    }

    /** Creates the engine's KV cache ({@code parallel × slotContext} cells) and starts its thread. */
    public static ServingEngine start(Model model, EngineOptions options) {
        ServingEngine e = new ServingEngine(model, options);
        e.thread.start();
        return e;
    }

    public Model model() { return model; }
    public EngineOptions options() { return options; }
    /** The model's tokenizer (thread-safe). */
    public Tokenizer tokenizer() { return tokenizer; }
    /** The model's chat template, or a built-in one chosen by architecture (thread-safe). */
    public ChatTemplate chatTemplate() { return template; }
    /** KV cells (prompt plus generated tokens) each request may use. */
    public int slotContext() { return slotContext; }

    /**
     * The prompt of a chat: {@code messages} rendered with the chat template (ending with the
     * assistant's header) and tokenized with special tokens recognised; BOS is added unless the
     * template wrote it.
     *
     * @throws dev.quanta.loader.template.ChatTemplateException when the template rejects the conversation
     */
    public int[] chatPrompt(List<dev.quanta.loader.template.ChatMessage> messages) {
        String prompt = template.render(messages, true);
        boolean hasBos = tokenizer.bos() >= 0 && !template.bosToken().isEmpty() && prompt.startsWith(template.bosToken());
        return tokenizer.encode(prompt, !hasBos, true);
    }

    /**
     * Queues a generation. Events arrive on the returned handle: {@link EngineEvent.Token}s, then one
     * {@link EngineEvent.Done} (or {@link EngineEvent.Failed}).
     *
     * @throws PromptTooLongException when the prompt does not fit in a slot
     * @throws EngineBusyException    when {@link EngineOptions#queueCapacity()} requests are already waiting
     * @throws IllegalArgumentException for token ids outside the vocabulary
     */
    public RequestHandle submit(GenerateRequest request) {
        checkTokens(request.prompt());
        return enqueue(new Job(new RequestHandle(ids.incrementAndGet()), request, null, request.prompt(), deadline()));
    }

    /**
     * Queues an embedding of {@code tokens}: one {@link EngineEvent.Embedding} (L2-normalized pooled
     * final hidden state) or {@link EngineEvent.Failed} arrives on the handle.
     */
    public RequestHandle embed(int[] tokens, Pooling pooling) {
        if (tokens == null || tokens.length == 0) throw new IllegalArgumentException("empty input");
        checkTokens(tokens);
        return enqueue(new Job(new RequestHandle(ids.incrementAndGet()), null, pooling, tokens.clone(), deadline()));
    }

    private long deadline() {
        Duration t = options.requestTimeout();
        return System.nanoTime() + t.toNanos();
    }

    private void checkTokens(int[] tokens) {
        int nVocab = model.config().nVocab();
        for (int t : tokens) {
            if (t < 0 || t >= nVocab) throw new IllegalArgumentException("token id " + t + " is outside the vocabulary (0.." + (nVocab - 1) + ")");
        }
        if (tokens.length > slotContext) throw new PromptTooLongException(tokens.length, slotContext);
    }

    private RequestHandle enqueue(Job job) {
        if (!running) throw new IllegalStateException("the engine is closed");
        if (crashed != null) throw new QuantaException("the engine stopped: " + crashed);
        int queuedNow = pending.incrementAndGet();
        if (queuedNow > options.queueCapacity() + freeSlotsHint()) {
            pending.decrementAndGet();
            throw new EngineBusyException("server busy: " + options.queueCapacity() + " requests are already waiting for a slot");
        }
        incoming.add(job);
        return job.handle;
    }

    /** Slots not running a request (read without locking: a hint for admission). */
    private int freeSlotsHint() {
        return slots.length - activeSlots;
    }

    /** A snapshot of the counters. */
    public EngineStats stats() {
        return new EngineStats(slots.length, activeSlots, Math.max(0, pending.get()), ctx.nCtx(), kvUsed,
                promptTokens.get(), promptNanos.get() / 1e9, generatedTokens.get(), generateNanos.get() / 1e9,
                steps.get(), completed.get(), cancelled.get(), failed.get());
    }

    /** True while the engine thread runs. */
    public boolean isRunning() {
        return running && crashed == null && thread.isAlive();
    }

    /** Stops the engine thread (requests still running get {@link EngineEvent.Failed}) and frees the KV cache. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        running = false;
        thread.interrupt();
        // the context is freed only once the engine thread is out of its last decode
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        for (Job j; (j = incoming.poll()) != null; ) j.handle.post(new EngineEvent.Failed("the server is shutting down"));
        ctx.close();
    }

    // ---- the engine thread -----------------------------------------------------------------------

    /** A request on its way through the engine. */
    private static final class Job {
        final RequestHandle handle;
        final GenerateRequest gen;      // null for an embedding
        final Pooling pooling;          // null for a generation
        final int[] prompt;
        final long deadline;
        final long submitted = System.nanoTime();

        Job(RequestHandle handle, GenerateRequest gen, Pooling pooling, int[] prompt, long deadline) {
            this.handle = handle;
            this.gen = gen;
            this.pooling = pooling;
            this.prompt = prompt;
            this.deadline = deadline;
        }
    }

    private enum State { IDLE, PREFILL, DECODE }

    /** One sequence of the shared context; the fields are the engine thread's. */
    private final class Slot {
        final int seq;
        int[] tokens = new int[64];   // tokens whose K/V are in the cache, in position order
        int nTokens;
        volatile State state = State.IDLE;
        long lastUsed;
        Job job;
        int promptPos;                // next prompt index to evaluate
        int cached;                   // prompt tokens reused
        int pendingToken = -1;        // sampled, to evaluate next step
        int batchFrom, batchTo;       // this step's tokens in the batch [from, to)
        dev.quanta.runtime.sampling.Sampler sampler;
        dev.quanta.loader.tokenizer.StreamingDecoder decoder;
        dev.quanta.runtime.text.StopMatcher stops;
        StringBuilder text;
        int generated;
        long tStart, tPromptDone;
        double[] pooled;

        Slot(int seq) {
            this.seq = seq;
        }

        void push(int t) {
            if (nTokens == tokens.length) tokens = java.util.Arrays.copyOf(tokens, tokens.length * 2);
            tokens[nTokens++] = t;
        }

        int commonPrefix(int[] p) {
            int c = 0;
            while (c < nTokens && c < p.length && tokens[c] == p[c]) c++;
            return c;
        }

        /** Drops the cached tokens from position {@code p} on. */
        void truncate(int p) {
            if (p < nTokens) {
                ctx.cells().remove(seq, p, -1);
                nTokens = p;
            }
        }
    }

    private void loop() {
        try {
            while (running) {
                takeNewJobs();
                dropExpiredWaiting();
                assignSlots();
                endCancelledAndExpired();
                if (!step()) {
                    updateGauges();
                    Job j = incoming.poll(50, TimeUnit.MILLISECONDS);
                    if (j != null) waiting.add(j);
                }
            }
        } catch (InterruptedException e) {
            // closing
        } catch (Throwable t) {
            crashed = t;
            LOG.log(System.Logger.Level.ERROR, "engine thread stopped", t);
        } finally {
            String why = crashed == null ? "the server is shutting down" : "the engine stopped: " + crashed;
            for (Slot s : slots) if (s.job != null) fail(s, why);
            for (Job j : waiting) j.handle.post(new EngineEvent.Failed(why));
            waiting.clear();
            for (Job j; (j = incoming.poll()) != null; ) j.handle.post(new EngineEvent.Failed(why));
            running = false;
        }
    }

    private void takeNewJobs() {
        for (Job j; (j = incoming.poll()) != null; ) waiting.add(j);
    }

    private void dropExpiredWaiting() {
        long now = System.nanoTime();
        for (Iterator<Job> it = waiting.iterator(); it.hasNext(); ) {
            Job j = it.next();
            if (j.handle.isCancelled()) {
                it.remove();
                pending.decrementAndGet();
                cancelled.incrementAndGet();
                j.handle.post(new EngineEvent.Failed("cancelled"));
            } else if (now - j.deadline > 0) {
                it.remove();
                pending.decrementAndGet();
                failed.incrementAndGet();
                j.handle.post(new EngineEvent.Failed("timed out waiting for a free slot"));
            }
        }
    }

    /** Gives waiting jobs (oldest first) the idle slot whose cached tokens share the longest prefix with the prompt. */
    private void assignSlots() {
        while (!waiting.isEmpty()) {
            Job j = waiting.peek();
            Slot best = null;
            int bestLcp = -1;
            for (Slot s : slots) {
                if (s.state != State.IDLE) continue;
                int lcp = j.gen == null ? 0 : s.commonPrefix(j.prompt);
                if (lcp > bestLcp || (lcp == bestLcp && s.lastUsed < best.lastUsed)) {
                    best = s;
                    bestLcp = lcp;
                }
            }
            if (best == null) return;
            waiting.poll();
            pending.decrementAndGet();
            begin(best, j, bestLcp);
        }
    }

    private void begin(Slot s, Job j, int lcp) {
        // at least the last prompt token is evaluated again: its logits start the generation
        int reuse = Math.min(lcp, j.prompt.length - 1);
        s.truncate(reuse);
        s.job = j;
        s.state = State.PREFILL;
        s.promptPos = reuse;
        s.cached = reuse;
        s.generated = 0;
        s.pendingToken = -1;
        s.tStart = System.nanoTime();
        s.tPromptDone = 0;
        s.lastUsed = s.tStart;
        if (j.gen != null) {
            GenerateRequest g = j.gen;
            s.sampler = new dev.quanta.runtime.sampling.Sampler(g.sampling());
            for (int t : j.prompt) s.sampler.accept(t);
            boolean onlyBos = j.prompt.length == 1 && j.prompt[0] == tokenizer.bos();
            s.decoder = tokenizer.newDecoder(false, onlyBos && tokenizer.addSpacePrefix());
            s.stops = new dev.quanta.runtime.text.StopMatcher(g.stop());
            s.text = new StringBuilder();
            s.pooled = null;
        } else {
            s.pooled = new double[model.config().nEmbd()];
        }
        activeSlots = countActive();
    }

    private void endCancelledAndExpired() {
        long now = System.nanoTime();
        for (Slot s : slots) {
            if (s.job == null) continue;
            if (s.job.handle.isCancelled()) {
                cancelled.incrementAndGet();
                if (s.job.gen != null) finish(s, StopReason.CANCELLED, false);
                else release(s, new EngineEvent.Failed("cancelled"));
            } else if (now - s.job.deadline > 0) {
                if (s.job.gen != null && s.state == State.DECODE) {
                    finish(s, StopReason.MAX_TOKENS, true);
                } else {
                    failed.incrementAndGet();
                    release(s, new EngineEvent.Failed("timed out after " + options.requestTimeout().toSeconds() + " s"));
                }
            }
        }
    }

    /** Builds and runs one batch; false when there was nothing to do. */
    private boolean step() {
        Batch b = new Batch();
        boolean hidden = false;
        for (Slot s : slots) {
            s.batchFrom = s.batchTo = -1;
            if (s.state == State.DECODE) {
                s.batchFrom = b.size();
                b.add(s.pendingToken, s.nTokens, s.seq, true);
                s.batchTo = b.size();
            }
        }
        int budget = options.prefillChunk();
        for (Slot s : slotsByStart()) {
            if (s.state != State.PREFILL || budget <= 0) continue;
            int[] p = s.job.prompt;
            int n = Math.min(budget, p.length - s.promptPos);
            boolean all = s.job.pooling == Pooling.MEAN;
            s.batchFrom = b.size();
            for (int i = s.promptPos; i < s.promptPos + n; i++) b.add(p[i], i, s.seq, all || i == p.length - 1);
            s.batchTo = b.size();
            budget -= n;
            if (s.job.gen == null) hidden = true;
        }
        if (b.isEmpty()) return false;

        Logits out;
        try {
            out = ctx.decode(b, hidden);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "decode of a batch of " + b.size() + " tokens failed: " + e);
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            for (Slot s : slots) {
                if (s.batchFrom >= 0 && s.job != null) {
                    s.truncate(0);
                    fail(s, msg);
                }
            }
            updateGauges();
            return true;
        }
        steps.incrementAndGet();
        long now = System.nanoTime();
        for (Slot s : slots) {
            if (s.batchFrom < 0) continue;
            if (s.state == State.DECODE) {
                s.push(s.pendingToken);
                s.pendingToken = -1;
                sample(s, out.ofToken(s.batchFrom));
            } else {
                prefilled(s, b, out, now);
            }
        }
        updateGauges();
        return true;
    }

    /** Prefill slots, the one that started first first (it gets the chunk budget). */
    private List<Slot> slotsByStart() {
        List<Slot> l = new ArrayList<>(slots.length);
        for (Slot s : slots) if (s.state == State.PREFILL) l.add(s);
        l.sort((a, c) -> Long.compare(a.tStart, c.tStart));
        return l;
    }

    private void prefilled(Slot s, Batch b, Logits out, long now) {
        Job j = s.job;
        for (int i = s.batchFrom; i < s.batchTo; i++) {
            s.push(b.token(i));
            if (j.gen == null && b.wantsLogits(i)) {
                float[] h = out.hiddenOfToken(i);
                if (j.pooling == Pooling.LAST) java.util.Arrays.fill(s.pooled, 0);
                for (int k = 0; k < h.length; k++) s.pooled[k] += h[k];
            }
        }
        s.promptPos += s.batchTo - s.batchFrom;
        if (s.promptPos < j.prompt.length) return;
        int evaluated = j.prompt.length - s.cached;
        promptTokens.addAndGet(evaluated);
        promptNanos.addAndGet(now - s.tStart);
        s.tPromptDone = now;
        if (j.gen == null) {
            float[] v = normalize(s.pooled, j.pooling == Pooling.MEAN ? j.prompt.length : 1);
            completed.incrementAndGet();
            // an embedding's cells are not kept: its prompt was evaluated without a prefix to reuse
            release(s, new EngineEvent.Embedding(v, j.prompt.length));
            return;
        }
        s.state = State.DECODE;
        sample(s, out.ofToken(s.batchTo - 1));
    }

    private static float[] normalize(double[] sum, int n) {
        double norm = 0;
        for (double x : sum) norm += (x / n) * (x / n);
        norm = Math.sqrt(norm);
        float[] v = new float[sum.length];
        for (int i = 0; i < v.length; i++) v[i] = norm > 0 ? (float) (sum[i] / n / norm) : 0f;
        return v;
    }

    /** Samples the next token of a generating slot from its logits and decides whether it goes on. */
    private void sample(Slot s, float[] logits) {
        GenerateRequest g = s.job.gen;
        int id = s.sampler.sample(logits);
        s.sampler.accept(id);
        if (!g.ignoreEos() && tokenizer.isEndOfGeneration(id)) {
            finish(s, StopReason.END_OF_GENERATION, false);
            return;
        }
        s.generated++;
        generatedTokens.incrementAndGet();
        TokenLogprob lp = g.topLogprobs() >= 0 ? logprob(logits, id, g.topLogprobs()) : null;
        String text = s.stops.push(s.decoder.accept(id));
        s.text.append(text);
        s.job.handle.post(new EngineEvent.Token(text, id, lp));
        if (s.stops.stopped()) finish(s, StopReason.STOP_STRING, false);
        else if (g.maxTokens() > 0 && s.generated >= g.maxTokens()) finish(s, StopReason.MAX_TOKENS, false);
        else if (s.nTokens >= slotContext) finish(s, StopReason.CONTEXT_FULL, false);
        else s.pendingToken = id;
    }

    /** Log-softmax of the raw logits: the chosen token's value and the {@code top} best. */
    private TokenLogprob logprob(float[] l, int id, int top) {
        float max = Float.NEGATIVE_INFINITY;
        for (float x : l) max = Math.max(max, x);
        double sum = 0;
        for (float x : l) sum += Math.exp(x - max);
        double logZ = max + Math.log(sum);
        List<TokenLogprob> best = new ArrayList<>();
        if (top > 0) {
            int[] idx = new int[Math.min(top, l.length)];
            int n = 0;
            for (int i = 0; i < l.length; i++) {
                // insertion into a small sorted array (highest first, lowest id first among equals)
                if (n < idx.length || l[i] > l[idx[n - 1]]) {
                    int p = Math.min(n, idx.length - 1);
                    while (p > 0 && l[i] > l[idx[p - 1]]) {
                        idx[p] = idx[p - 1];
                        p--;
                    }
                    idx[p] = i;
                    if (n < idx.length) n++;
                }
            }
            for (int k = 0; k < n; k++) best.add(new TokenLogprob(idx[k], tokenizer.pieceBytes(idx[k], true), (float) (l[idx[k]] - logZ), null));
        }
        return new TokenLogprob(id, tokenizer.pieceBytes(id, true), (float) (l[id] - logZ), best);
    }

    private void finish(Slot s, StopReason reason, boolean timedOut) {
        if (reason != StopReason.STOP_STRING) {
            String rest = s.stops.push(s.decoder.flush()) + (s.stops.stopped() ? "" : s.stops.flush());
            if (!rest.isEmpty()) {
                s.text.append(rest);
                s.job.handle.post(new EngineEvent.Token(rest, -1, null));
            }
        }
        long now = System.nanoTime();
        Job j = s.job;
        double queueMs = (s.tStart - j.submitted) / 1e6;
        double promptMs = s.tPromptDone > s.tStart ? (s.tPromptDone - s.tStart) / 1e6 : (now - s.tStart) / 1e6;
        double genMs = s.state == State.DECODE ? (now - s.tPromptDone) / 1e6 : 0;
        if (s.state == State.DECODE) generateNanos.addAndGet(now - s.tPromptDone);
        if (reason != StopReason.CANCELLED) completed.incrementAndGet();
        release(s, new EngineEvent.Done(new Completion(s.text.toString(), reason, timedOut, j.prompt.length, s.cached,
                s.generated, queueMs, promptMs, genMs)));
    }

    private void fail(Slot s, String message) {
        failed.incrementAndGet();
        release(s, new EngineEvent.Failed(message));
    }

    /** Ends the slot's request with {@code last}; the slot keeps its cached tokens (except after an embedding). */
    private void release(Slot s, EngineEvent last) {
        Job j = s.job;
        if (j.gen == null) s.truncate(0);
        s.job = null;
        s.state = State.IDLE;
        s.pendingToken = -1;
        s.sampler = null;
        s.decoder = null;
        s.stops = null;
        s.text = null;
        s.pooled = null;
        s.lastUsed = System.nanoTime();
        j.handle.post(last);
        activeSlots = countActive();
    }

    private int countActive() {
        int n = 0;
        for (Slot s : slots) if (s.state != State.IDLE) n++;
        return n;
    }

    private void updateGauges() {
        kvUsed = ctx.cells().used();
        activeSlots = countActive();
    }

    /** Slots' states for tests and diagnostics: "idle", "prefill" or "decode" per slot. */
    public List<String> slotStates() {
        List<String> l = new ArrayList<>();
        for (Slot s : slots) l.add(s.state.name().toLowerCase(java.util.Locale.ROOT));
        return l;
    }
}
