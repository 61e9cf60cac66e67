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
 * (llama.cpp's {@code llama_context}). {@link #decode} runs a {@link Batch} of any size in
 * micro-batches of at most {@code nUbatch} tokens: for each it places the tokens in KV cells,
 * builds the KQ mask on the host, builds the architecture's forward graph and runs it.
 * Several sequences can share one context and one batch. Not thread-safe: one decode at a time.
 */
public final class InferenceContext implements AutoCloseable {
    private final Architecture arch;
    private final ModelConfig config;
    private final ModelWeights weights;
    private final Device device;
    private final Stream stream;
    private final KvCache kv;
    private final int nUbatch;
    private boolean closed;

    public InferenceContext(Architecture arch, ModelConfig config, ModelWeights weights, Device device,
                            int nCtx, GgmlType kvType, int nUbatch) {
        if (nCtx <= 0) throw new QuantaException("context size must be positive, got " + nCtx);
        if (nUbatch <= 0) throw new QuantaException("micro-batch size must be positive, got " + nUbatch);
        this.arch = arch;
        this.config = config;
        this.weights = weights;
        this.device = device;
        this.nUbatch = nUbatch;
        this.kv = new KvCache(device, kvType, config.nLayer(), nCtx, config.kvRowK(), config.kvRowV());
        Stream s;
        try {
            s = device.openStream();
        } catch (RuntimeException e) {
            kv.close();
            throw e;
        }
        this.stream = s;
    }

    public ModelConfig config() { return config; }
    public KvCache kvCache() { return kv; }
    public KvCells cells() { return kv.cells(); }
    /** Number of KV cells (the context size). */
    public int nCtx() { return kv.size(); }
    public int nUbatch() { return nUbatch; }
    public Device device() { return device; }

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
            Graph g = new Graph();
            ForwardInputs in = ForwardInputs.create(g, tokens, pos, placed, cells.mask(ub, nKv, 0), outIds, nKv);
            Tensor logits = arch.forward(g, config, weights, kv, in);
            Tensor hiddenNode = withHidden && wanted > 0 ? finalHidden(logits) : null;
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
        } catch (RuntimeException e) {
            cells.release(placed);
            throw e;
        }
    }

    /**
     * The input of the output projection (the MUL_MAT by {@code output.weight}) found by walking back
     * from the logits node: F32 [nEmbd, nOut].
     */
    private Tensor finalHidden(Tensor logits) {
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
            stream.close();
        } finally {
            kv.close();
        }
    }
}
