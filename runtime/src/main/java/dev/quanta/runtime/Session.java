package dev.quanta.runtime;

import dev.quanta.runtime.batch.Batch;
import dev.quanta.runtime.exec.InferenceContext;
import dev.quanta.runtime.exec.Logits;
import dev.quanta.runtime.sampling.GrammarConstraint;
import dev.quanta.runtime.sampling.Sampler;
import dev.quanta.loader.template.ChatMessage;
import dev.quanta.loader.template.ChatTemplate;
import dev.quanta.loader.tokenizer.StreamingDecoder;
import dev.quanta.loader.tokenizer.Tokenizer;
import dev.quanta.runtime.text.StopMatcher;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * One conversation or text stream with its own KV cache. It remembers the tokens in its cache: a new
 * prompt that starts with them (the next chat turn, a longer prompt) evaluates only what is new.
 * Use from one thread at a time; {@link #cancel()} may be called from any thread.
 *
 * <pre>{@code
 * try (Session s = model.newSession()) {
 *     s.setSystemPrompt("You are terse.");
 *     GenerationResult r = s.chat("Name three colours.", GenerationOptions.defaults(), System.out::print);
 *     System.out.println("\n" + r.reason() + ", " + r.timings().generatedTokensPerSecond() + " t/s");
 * }
 * }</pre>
 */
public final class Session implements AutoCloseable {
    private final Model model;
    private final InferenceContext ctx;
    private final List<Integer> cached = new ArrayList<>();
    private final List<ChatMessage> history = new ArrayList<>();
    private String systemPrompt;
    private volatile boolean cancelRequested;
    private boolean closed;

    Session(Model model, InferenceContext ctx) {
        this.model = model;
        this.ctx = ctx;
    }

    public Model model() { return model; }

    /** KV cells of this session. */
    public int contextLength() { return ctx.nCtx(); }

    /** Tokens currently in the KV cache (the conditioning of the next token), in order. */
    public int[] tokens() {
        return cached.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Asks the generation in progress (if any) to stop after the current token; safe from any thread. */
    public void cancel() {
        cancelRequested = true;
    }

    /** Forgets the KV cache and the chat history (the system prompt stays). */
    public void reset() {
        ctx.clear();
        cached.clear();
        history.clear();
    }

    /** The system prompt {@link #chat(String, GenerationOptions, Consumer)} puts first; null for none. */
    public void setSystemPrompt(String text) {
        this.systemPrompt = text;
    }

    /** The chat turns so far (user and assistant). */
    public List<ChatMessage> history() {
        return List.copyOf(history);
    }

    // ---- text generation ---------------------------------------------------------------------

    /**
     * Continues {@code prompt} (tokenized with BOS when the vocabulary asks for it), streaming the new
     * text to {@code onText} (may be null). An empty prompt starts from BOS alone.
     */
    public GenerationResult generate(String prompt, GenerationOptions options, Consumer<String> onText) {
        return generate(model.tokenize(prompt, true), options, onText);
    }

    /**
     * Generates after the token sequence {@code sequence} (the whole conditioning, BOS included when
     * wanted). The part of it that is already in the cache is not evaluated again.
     */
    public GenerationResult generate(int[] sequence, GenerationOptions options, Consumer<String> onText) {
        ensureOpen();
        cancelRequested = false;
        Tokenizer tok = model.tokenizer();
        // a malformed or unsatisfiable grammar is an error before any work is done
        GrammarConstraint grammar = options.grammar() == null ? null : model.newGrammarConstraint(options.grammar());
        BitSet textControl = model.textControlTokens();
        long t0 = System.nanoTime();
        int evaluated = sequence.length - commonPrefix(sequence);
        float[] logits;
        try {
            logits = prefill(sequence);
        } catch (CancelledException e) {
            return new GenerationResult("", new int[0], StopReason.CANCELLED,
                    new Timings(0, ms(t0), 0, 0), -1, null);
        }
        long t1 = System.nanoTime();

        Sampler sampler = new Sampler(options.sampling());
        for (int t : sequence) sampler.accept(t);
        // llama2.c / llama.cpp print a generation that starts right after BOS without the space
        // SentencePiece puts in front of a word
        // (not under a grammar: the text must be exactly what the grammar matched)
        boolean strip = grammar == null && tok.kind() == Tokenizer.Kind.SPM && tok.addSpacePrefix() && onlyBos(sequence, tok);
        StreamingDecoder utf8 = tok.newDecoder(false, false);
        StopMatcher stops = new StopMatcher(options.stopStrings());
        StringBuilder text = new StringBuilder();
        List<Integer> generated = new ArrayList<>();
        StopReason reason = null;
        String message = null;
        while (reason == null) {
            if (options.maxTokens() >= 0 && generated.size() >= options.maxTokens()) {
                reason = StopReason.MAX_TOKENS;
                break;
            }
            if (cancelRequested) {
                reason = StopReason.CANCELLED;
                break;
            }
            if (grammar != null) {
                if (grammar.isDone()) { // complete, and nothing more can follow
                    reason = StopReason.END_OF_GENERATION;
                    break;
                }
                try {
                    grammar.applyMask(logits);
                } catch (IllegalStateException e) {
                    throw new QuantaException(options.grammar().describe() + ": " + e.getMessage()
                            + " (output so far: " + text + ")", e);
                }
            }
            int id = sampler.sample(logits);
            sampler.accept(id);
            if (grammar != null) grammar.accept(id);
            if ((!options.ignoreEos() || grammar != null) && tok.isEndOfGeneration(id)) {
                reason = StopReason.END_OF_GENERATION;
                break;
            }
            generated.add(id);
            String piece = textControl.get(id) ? utf8.flush() + tok.piece(id) : utf8.accept(id);
            if (strip && !piece.isEmpty()) {
                if (piece.startsWith(" ")) piece = piece.substring(1);
                strip = false;
            }
            emit(stops.push(piece), text, onText);
            if (stops.stopped()) {
                reason = StopReason.STOP_STRING;
                break;
            }
            if (options.maxTokens() >= 0 && generated.size() >= options.maxTokens()) {
                reason = StopReason.MAX_TOKENS;
                break;
            }
            if (cancelRequested) {
                reason = StopReason.CANCELLED;
                break;
            }
            try {
                if (cached.size() >= ctx.nCtx()) {
                    if (!options.contextShift()) {
                        reason = StopReason.CONTEXT_FULL;
                        message = "context full (" + ctx.nCtx() + " tokens): generation stopped; use a larger context (-c) or --context-shift";
                        break;
                    }
                    logits = shift(options.keep(), id);
                } else {
                    logits = step(id);
                }
            } catch (CancelledException e) {
                reason = StopReason.CANCELLED;
            }
        }
        if (reason != StopReason.STOP_STRING) emit(stops.push(utf8.flush()) + stops.flush(), text, onText);
        long t2 = System.nanoTime();
        Timings timings = new Timings(evaluated, (t1 - t0) / 1e6, generated.size(), (t2 - t1) / 1e6);
        return new GenerationResult(text.toString(), generated.stream().mapToInt(Integer::intValue).toArray(),
                reason, timings, sampler.seed(), message);
    }

    private static void emit(String s, StringBuilder text, Consumer<String> onText) {
        if (s.isEmpty()) return;
        text.append(s);
        if (onText != null) onText.accept(s);
    }

    private static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }

    private static boolean onlyBos(int[] seq, Tokenizer tok) {
        return seq.length == 0 || (seq.length == 1 && seq[0] == tok.bos());
    }

    // ---- chat ----------------------------------------------------------------------------------

    /**
     * Adds {@code userText} to the history, renders the conversation with the model's chat template,
     * generates the answer (streamed to {@code onText}) and adds it to the history.
     */
    public GenerationResult chat(String userText, GenerationOptions options, Consumer<String> onText) {
        List<ChatMessage> msgs = new ArrayList<>();
        if (systemPrompt != null && !systemPrompt.isEmpty()) msgs.add(ChatMessage.system(systemPrompt));
        msgs.addAll(history);
        msgs.add(ChatMessage.user(userText));
        GenerationResult r = chat(msgs, options, onText);
        history.add(ChatMessage.user(userText));
        history.add(ChatMessage.assistant(r.text()));
        return r;
    }

    /** Generates the assistant's answer to {@code messages} (rendered with the chat template); the history is not touched. */
    public GenerationResult chat(List<ChatMessage> messages, GenerationOptions options, Consumer<String> onText) {
        Tokenizer tok = model.tokenizer();
        ChatTemplate t = model.chatTemplate();
        String prompt;
        try {
            prompt = t.render(messages, true);
        } catch (RuntimeException e) {
            throw new QuantaException("chat template " + t.name() + ": " + e.getMessage(), e);
        }
        // templates that write BOS themselves must not get a second one from the tokenizer
        boolean templateHasBos = tok.bos() >= 0 && prompt.startsWith(tok.tokenText(tok.bos()));
        int[] ids = tok.encode(prompt, !templateHasBos, true);
        return generate(ids, options, onText);
    }

    // ---- evaluation without sampling ------------------------------------------------------------

    /**
     * Evaluates {@code sequence} from an empty cache and returns the logits of every position,
     * [sequence.length][nVocab] (for scoring and tests). The cache holds the sequence afterwards.
     */
    public float[][] evaluateAll(int[] sequence) {
        ensureOpen();
        cancelRequested = false;
        if (sequence.length > ctx.nCtx())
            throw new QuantaException("sequence of " + sequence.length + " tokens is longer than the context (" + ctx.nCtx() + ")");
        ctx.clear();
        cached.clear();
        float[][] out = new float[sequence.length][];
        int n = 0;
        for (int start = 0; start < sequence.length; start += ctx.nUbatch()) {
            int end = Math.min(sequence.length, start + ctx.nUbatch());
            Batch b = new Batch();
            for (int i = start; i < end; i++) b.add(sequence[i], i, 0, true);
            Logits l = ctx.decode(b);
            for (int r = 0; r < l.rows(); r++) out[n++] = l.row(r);
            for (int i = start; i < end; i++) cached.add(sequence[i]);
        }
        return out;
    }

    /** Evaluates {@code sequence} (reusing the cached prefix) and returns the logits after its last token. */
    public float[] evaluate(int[] sequence) {
        ensureOpen();
        cancelRequested = false;
        return prefill(sequence);
    }

    // ---- internals ------------------------------------------------------------------------------

    private static final class CancelledException extends RuntimeException {
        CancelledException() {
            super("cancelled", null, false, false);
        }
    }

    private int commonPrefix(int[] seq) {
        int c = 0;
        while (c < seq.length && c < cached.size() && cached.get(c) == seq[c]) c++;
        return c == seq.length ? Math.max(0, c - 1) : c;
    }

    /** Brings the cache to {@code seq} and returns the logits after its last token. */
    private float[] prefill(int[] seq) {
        if (seq.length == 0) throw new QuantaException("nothing to evaluate: empty prompt and the vocabulary has no BOS token");
        if (seq.length > ctx.nCtx())
            throw new QuantaException("prompt is " + seq.length + " tokens, longer than the context of " + ctx.nCtx()
                    + " tokens; use a larger context (-c) or a shorter prompt");
        int c = commonPrefix(seq);
        ctx.cells().remove(0, c, -1);
        while (cached.size() > c) cached.removeLast();
        float[] last = null;
        for (int start = c; start < seq.length; start += ctx.nUbatch()) {
            if (cancelRequested) throw new CancelledException();
            int end = Math.min(seq.length, start + ctx.nUbatch());
            Batch b = new Batch();
            for (int i = start; i < end; i++) b.add(seq[i], i, 0, i == seq.length - 1);
            Logits l = ctx.decode(b);
            for (int i = start; i < end; i++) cached.add(seq[i]);
            if (end == seq.length) last = l.last();
        }
        return last;
    }

    /** Evaluates one generated token at the next position. */
    private float[] step(int id) {
        Batch b = new Batch().add(id, cached.size(), 0, true);
        float[] l = ctx.decode(b).last();
        cached.add(id);
        return l;
    }

    /**
     * Context shift: keeps the first {@code keep} tokens, drops the older half of the rest and
     * re-evaluates the remaining half plus {@code id} at their new positions.
     */
    private float[] shift(int keep, int id) {
        int n = cached.size();
        int nKeep = Math.min(keep, n - 1);
        int nDiscard = Math.max(1, (n - nKeep) / 2);
        int[] seq = new int[n - nDiscard + 1];
        int k = 0;
        for (int i = 0; i < nKeep; i++) seq[k++] = cached.get(i);
        for (int i = nKeep + nDiscard; i < n; i++) seq[k++] = cached.get(i);
        seq[k] = id;
        ctx.cells().remove(0, nKeep, -1);
        while (cached.size() > nKeep) cached.removeLast();
        return prefill(seq);
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("session is closed");
    }

    /** Frees the KV cache. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        ctx.close();
        model.closed(this);
    }

    @Override
    public String toString() {
        return "Session[" + cached.size() + "/" + ctx.nCtx() + " tokens]";
    }
}
