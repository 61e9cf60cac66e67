package dev.quanta.runtime.exec;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Op;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.runtime.QuantaException;
import dev.quanta.runtime.arch.Architecture;
import dev.quanta.runtime.arch.ForwardInputs;
import dev.quanta.runtime.batch.Batch;
import dev.quanta.runtime.kv.KvCache;
import dev.quanta.runtime.kv.KvCells;
import dev.quanta.runtime.model.ModelConfig;
import dev.quanta.runtime.model.ModelWeights;
import java.lang.foreign.MemorySegment;

/**
 * Evaluation state for one model: a KV cache of {@code nCtx} cells on the device and a stream
 * (llama.cpp's {@code llama_context}). A model split across devices ({@link LayerSplit}) gets a
 * stream per device, each layer's cache on its device, and one graph per device for each
 * micro-batch, the hidden state [nEmbd, nTok] copied from one to the next. {@link #decode} runs a {@link Batch} of any size in
 * micro-batches of at most {@code nUbatch} tokens: for each it places the tokens in KV cells,
 * builds the KQ mask on the host, builds the architecture's forward graph and runs it.
 * Several sequences can share one context and one batch. Not thread-safe: one decode at a time.
 */
public final class InferenceContext implements AutoCloseable {
    private final Architecture arch;
    private final ModelConfig config;
    private final LayerSplit split;
    private final Stream[] streams;
    private final KvCache kv;
    private final int nUbatch;
    private boolean closed;

    public InferenceContext(Architecture arch, ModelConfig config, ModelWeights weights, Device device,
                            int nCtx, GgmlType kvType, int nUbatch) {
        this(arch, config, LayerSplit.single(device, weights, config.nLayer()), nCtx, kvType, nUbatch);
    }

    /**
     * A context for a model split across devices: each layer's KV cache on its layer's device, one
     * stream per segment.
     */
    public InferenceContext(Architecture arch, ModelConfig config, LayerSplit split, int nCtx, GgmlType kvType, int nUbatch) {
        if (nCtx <= 0) throw new QuantaException("context size must be positive, got " + nCtx);
        if (nUbatch <= 0) throw new QuantaException("micro-batch size must be positive, got " + nUbatch);
        if (split.nLayer() != config.nLayer())
            throw new IllegalArgumentException("split of " + split.nLayer() + " layers for a model of " + config.nLayer());
        this.arch = arch;
        this.config = config;
        this.split = split;
        this.nUbatch = nUbatch;
        this.kv = new KvCache(split::deviceOfLayer, kvType, config.nLayer(), nCtx, config.kvRowK(), config.kvRowV());
        this.streams = new Stream[split.segments().size()];
        try {
            for (int i = 0; i < streams.length; i++) streams[i] = split.segments().get(i).device().openStream();
        } catch (RuntimeException e) {
            closeStreams();
            kv.close();
            throw e;
        }
    }

    public ModelConfig config() { return config; }
    public KvCache kvCache() { return kv; }
    public KvCells cells() { return kv.cells(); }
    /** Number of KV cells (the context size). */
    public int nCtx() { return kv.size(); }
    public int nUbatch() { return nUbatch; }
    /** The device of the first layers (the only one unless the model is split). */
    public Device device() { return split.first().device(); }
    /** Which device computes which layers. */
    public LayerSplit split() { return split; }

    /**
     * Evaluates {@code batch}: writes every token's K/V into the cache and returns the logits of the
     * tokens that asked for them. Throws {@link dev.quanta.runtime.ContextFullException} when the
     * cache has no room; the micro-batch that did not fit leaves the cache as it was.
     */
    public Logits decode(Batch batch) {
        return decode(batch, false);
    }

    /**
     * {@link #decode(Batch)}; with {@code withHidden} the result also carries, for every token that
     * wanted logits, the final hidden state (the output of the last norm, the input of the output
     * projection: F32 [nEmbd]) — what embedding endpoints pool.
     */
    public Logits decode(Batch batch, boolean withHidden) {
        int nVocab = config.nVocab();
        for (int i = 0; i < batch.size(); i++) {
            int t = batch.token(i);
            if (t < 0 || t >= nVocab) throw new QuantaException("token id " + t + " is outside the vocabulary (0.." + (nVocab - 1) + ")");
        }
        int nOut = batch.outputs();
        int nEmbd = config.nEmbd();
        float[] out = new float[nOut * nVocab];
        float[] hidden = withHidden ? new float[nOut * nEmbd] : null;
        int[] rowOf = new int[batch.size()];
        int row = 0;
        for (int i = 0; i < batch.size(); i++) rowOf[i] = batch.wantsLogits(i) ? row++ : -1;
        int written = 0;
        for (int start = 0; start < batch.size(); start += nUbatch) {
            Batch ub = batch.slice(start, Math.min(batch.size(), start + nUbatch));
            int wanted = ub.outputs();
            float[][] part = run(ub, withHidden);
            if (wanted > 0) {
                System.arraycopy(part[0], 0, out, written * nVocab, wanted * nVocab);
                if (hidden != null) System.arraycopy(part[1], 0, hidden, written * nEmbd, wanted * nEmbd);
                written += wanted;
            }
        }
        return new Logits(out, nVocab, rowOf, hidden, nEmbd);
    }

    /**
     * One micro-batch; returns its wanted logits rows (or nothing when none is wanted) and, with
     * {@code withHidden}, the final hidden rows of the same tokens.
     */
    private float[][] run(Batch ub, boolean withHidden) {
        int n = ub.size();
        KvCells cells = kv.cells();
        int[] placed = cells.place(ub);
        try {
            int nKv = cells.usedEnd();
            int[] tokens = new int[n], pos = new int[n];
            for (int i = 0; i < n; i++) {
                tokens[i] = ub.token(i);
                pos[i] = ub.pos(i);
            }
            int wanted = ub.outputs();
            // A micro-batch that wants no logits still needs a graph that ends somewhere: compute the
            // last row's and drop it (one output row of work).
            int[] outIds = new int[Math.max(1, wanted)];
            if (wanted == 0) outIds[0] = n - 1;
            for (int i = 0, r = 0; i < n; i++) if (ub.wantsLogits(i)) outIds[r++] = i;
            // sliding-window layers (phi3, gemma2/3, Mistral) read a second mask with old cells cut off
            int window = config.features().slidingWindow();
            float[] mask = cells.mask(ub, nKv, 0);
            float[] maskSwa = config.hasSwa() ? cells.mask(ub, nKv, window) : null;
            if (!split.isSplit()) {
                Graph g = new Graph();
                ForwardInputs in = ForwardInputs.create(g, tokens, pos, placed, mask, maskSwa, outIds, nKv);
                ModelWeights w = split.first().weights();
                Tensor logits = arch.forward(g, config, w, kv, in);
                return finish(streams[0], g, w, logits, wanted, withHidden);
            }
            // one graph per device; the hidden state [nEmbd, nTok] read back from each is the next one's input
            float[] carry = null;
            for (int s = 0; s < streams.length; s++) {
                LayerSplit.Segment seg = split.segments().get(s);
                boolean lastPart = seg.to() == config.nLayer();
                boolean usesMask = false, usesSwa = false;
                for (int l = seg.from(); l < seg.to(); l++) {
                    if (config.isSwa(l)) usesSwa = true;
                    else usesMask = true;
                }
                Graph g = new Graph();
                ForwardInputs in = ForwardInputs.forPart(g, tokens, pos, placed, usesMask ? mask : null, usesSwa ? maskSwa : null,
                        outIds, nKv, seg.embeds(), lastPart);
                Tensor hiddenIn = null;
                if (!seg.embeds()) {
                    int rows = carry.length / config.nEmbd();
                    hiddenIn = g.input("hidden_in", GgmlType.F32, config.nEmbd(), rows).setFloats(carry);
                }
                Tensor out = arch.forwardLayers(g, config, seg.weights(), kv, in, seg.from(), seg.to(), hiddenIn);
                if (lastPart) return finish(streams[s], g, seg.weights(), out, wanted, withHidden);
                streams[s].compute(g);
                carry = new float[Math.toIntExact(out.nelements())];
                streams[s].read(out, MemorySegment.ofArray(carry));
            }
            throw new IllegalStateException("the last segment does not end with the output layer");
        } catch (RuntimeException e) {
            cells.release(placed);
            throw e;
        }
    }

    /** Runs the graph that ends with {@code logits} and reads its wanted rows (and the final hidden rows). */
    private float[][] finish(Stream stream, Graph g, ModelWeights w, Tensor logits, int wanted, boolean withHidden) {
        Tensor hiddenNode = withHidden && wanted > 0 ? finalHidden(w, logits) : null;
        if (hiddenNode != null) hiddenNode.markOutput();
        stream.compute(g);
        if (wanted == 0) {
            stream.synchronize();
            return new float[][] {new float[0], new float[0]};
        }
        float[] res = new float[wanted * config.nVocab()];
        stream.read(logits, MemorySegment.ofArray(res));
        float[] hid = null;
        if (hiddenNode != null) {
            hid = new float[wanted * config.nEmbd()];
            stream.read(hiddenNode, MemorySegment.ofArray(hid));
        }
        return new float[][] {res, hid};
    }

    /**
     * The input of the output projection (the MUL_MAT by {@code output.weight}) found by walking back
     * from the logits node: F32 [nEmbd, nOut].
     */
    private Tensor finalHidden(ModelWeights weights, Tensor logits) {
        for (Tensor t = logits; t != null; t = t.src(0)) {
            if (t.op() == Op.MUL_MAT && t.src(0) == weights.output()) {
                Tensor h = t.src(1);
                if (h.ne(0) != config.nEmbd()) break;
                return h;
            }
        }
        throw new QuantaException("architecture " + arch.name() + ": cannot find the final hidden state in its forward graph");
    }

    /** Forgets everything in the cache. */
    public void clear() {
        kv.cells().clear();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            closeStreams();
        } finally {
            kv.close();
        }
    }

    private void closeStreams() {
        RuntimeException first = null;
        for (Stream st : streams) {
            if (st == null) continue;
            try {
                st.close();
            } catch (RuntimeException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }
}
