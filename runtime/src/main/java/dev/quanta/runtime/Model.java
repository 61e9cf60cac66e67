package dev.quanta.runtime;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.DeviceKind;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufTensorInfo;
import dev.quanta.runtime.arch.Architecture;
import dev.quanta.runtime.arch.Architectures;
import dev.quanta.runtime.exec.BackendChooser;
import dev.quanta.runtime.exec.GpuLayers;
import dev.quanta.runtime.exec.InferenceContext;
import dev.quanta.runtime.exec.LayerSplit;
import dev.quanta.runtime.exec.OffloadPlanner;
import dev.quanta.runtime.model.ModelConfig;
import dev.quanta.runtime.model.ModelWeights;
import dev.quanta.runtime.model.WeightLoader;
import dev.quanta.loader.template.ChatTemplate;
import dev.quanta.loader.tokenizer.Tokenizer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.quanta.runtime.grammar.Grammar;
import dev.quanta.runtime.grammar.GrammarException;
import dev.quanta.runtime.grammar.GrammarVocabulary;
import dev.quanta.runtime.sampling.GrammarConstraint;
import dev.quanta.runtime.sampling.GrammarSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleConsumer;

/**
 * A loaded model: its file (memory-mapped), hyperparameters, weights on a device, tokenizer and chat
 * template. Create {@link Session}s to generate. Thread-safe for creating sessions; each session is
 * used by one thread at a time. {@link #close()} closes the open sessions, frees device memory and
 * unmaps the file.
 *
 * <p>With a GPU backend, {@link ModelOptions#gpuLayers()} may keep only the first layers on the GPU
 * and run the others on the CPU backend ({@link LayerSplit}).
 *
 * <pre>{@code
 * try (Model model = Quanta.load(ModelOptions.of(Path.of("model.gguf")));
 *      Session s = model.newSession()) {
 *     s.generate("Once upon a time", GenerationOptions.defaults().withMaxTokens(64), System.out::print);
 * }
 * }</pre>
 */
public final class Model implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Model.class.getName());

    private final GgufFile file;
    private final Architecture arch;
    private final ModelConfig config;
    private final LayerSplit split;
    private final List<WeightLoader> loaders;
    private final BackendChooser.Choice backend;
    private final Device cpuDevice;
    private final int gpuLayers;
    private final List<String> notices;
    private final Tokenizer tokenizer;
    private final ChatTemplate chat;
    private final ModelOptions options;
    private final int nCtx;
    private final double loadMillis;
    private final Set<AutoCloseable> open = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;
    private volatile GrammarVocabulary grammarVocab;
    private volatile BitSet markerTokens;
    private final Map<GrammarSpec, Grammar> grammars = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<GrammarSpec, Grammar> e) {
            return size() > MAX_CACHED_GRAMMARS;
        }
    };
    private static final int MAX_CACHED_GRAMMARS = 32;

    /**
     * Control tokens that are printed as their text and that grammars may produce: the tool-call
     * markers of Llama 3.1 ({@code <|python_tag|>}), Mistral ({@code [TOOL_CALLS]}) and
     * Qwen 2.5 / Hermes ({@code <tool_call>}, {@code </tool_call>}), as llama.cpp preserves them.
     */
    public static final List<String> TEXT_CONTROL_TOKENS = List.of("<|python_tag|>", "[TOOL_CALLS]", "<tool_call>", "</tool_call>");

    private Model(GgufFile file, Architecture arch, ModelConfig config, LayerSplit split, List<WeightLoader> loaders,
                  BackendChooser.Choice backend, Device cpuDevice, int gpuLayers, List<String> notices, Tokenizer tokenizer,
                  ChatTemplate chat, ModelOptions options, int nCtx, double loadMillis) {
        this.file = file;
        this.arch = arch;
        this.config = config;
        this.split = split;
        this.loaders = List.copyOf(loaders);
        this.backend = backend;
        this.cpuDevice = cpuDevice;
        this.gpuLayers = gpuLayers;
        this.notices = List.copyOf(notices);
        this.tokenizer = tokenizer;
        this.chat = chat;
        this.options = options;
        this.nCtx = nCtx;
        this.loadMillis = loadMillis;
    }

    /** Loads a model; see {@link Quanta#load}. */
    static Model load(ModelOptions o) {
        long t0 = System.nanoTime();
        Path path = o.path();
        if (!Files.exists(path)) throw new QuantaException(path + ": no such file");
        if (Files.isDirectory(path)) throw new QuantaException(path + ": is a directory, not a GGUF file");
        GgufFile file = GgufFile.open(path);
        List<WeightLoader> loaders = new ArrayList<>();
        BackendChooser.Choice choice = null;
        Device cpu = null;
        try {
            if (!file.metadata().has("general.architecture"))
                throw new QuantaException(path + ": missing metadata key 'general.architecture' (a vocabulary-only or non-model GGUF file?)");
            String archName = file.metadata().architecture();
            Architecture arch = Architectures.forName(archName, path);
            GgufTensorInfo embd = file.tensor("token_embd.weight");
            if (embd == null) throw new QuantaException(path + ": missing tensor 'token_embd.weight'");
            if (embd.nDims() != 2) throw new QuantaException(path + ": tensor 'token_embd.weight' has shape " + embd.shapeString() + ", expected 2 dimensions");
            ModelConfig config = arch.config(file, (int) embd.ne()[1]);
            Tokenizer tokenizer = tokenizer(file);
            ChatTemplate chat = tokenizer == null ? null : chatTemplate(file);
            int nCtx = o.contextLength() > 0 ? o.contextLength() : Math.min(config.nCtxTrain(), ModelOptions.DEFAULT_MAX_CONTEXT);

            if (o.threads() > 0) System.setProperty("quanta.cpu.threads", Integer.toString(o.threads()));
            choice = BackendChooser.choose(o.backend());
            Device main = choice.device();
            DoubleConsumer progress = o.progress();
            int nLayer = config.nLayer();
            List<String> notices = new ArrayList<>(choice.warnings());
            int nGpu = gpuLayers(o, choice, file, config, nCtx, notices);
            LayerSplit split;
            if (nGpu < 0 || nGpu == nLayer) {                 // one device: the chosen backend's
                WeightLoader loader = new WeightLoader(file, main, progress);
                loaders.add(loader);
                split = LayerSplit.single(main, arch.load(loader, config), nLayer);
            } else {                                         // the first nGpu layers on the GPU, the rest on the CPU backend
                cpu = cpuDevice(o.gpuLayers());
                WeightLoader onCpu = new WeightLoader(file, cpu, nGpu == 0 ? progress : null);
                loaders.add(onCpu);
                ModelWeights cpuWeights = arch.load(onCpu, config);
                if (nGpu == 0) {
                    split = LayerSplit.single(cpu, cpuWeights, nLayer);
                } else {
                    WeightLoader onGpu = new WeightLoader(file, main, progress, LayerSplit.offloadedTensors(nGpu, nLayer), onCpu);
                    loaders.add(onGpu);
                    ModelWeights gpuWeights = arch.load(onGpu, config);
                    split = new LayerSplit(List.of(new LayerSplit.Segment(main, gpuWeights, 0, nGpu),
                            new LayerSplit.Segment(cpu, cpuWeights, nGpu, nLayer)), nLayer);
                }
                String where = String.format(Locale.ROOT, "offload: %d/%d layers on %s%s, the other %d and the output layer on %s",
                        nGpu, nLayer, main.name(), nGpu > 0 ? " (" + mib(loaders.getLast().deviceBytes()) + " MiB of weights)" : "",
                        nLayer - nGpu, cpu.name());
                notices.add(where);
                LOG.log(System.Logger.Level.INFO, where);
            }
            if (split.segments().stream().anyMatch(sg -> sg.device().kind() == DeviceKind.CPU)) prefault(file, progress);
            if (progress != null) progress.accept(1.0);
            double ms = (System.nanoTime() - t0) / 1e6;
            LOG.log(System.Logger.Level.DEBUG, "loaded {0}: {1} on {2} in {3} ms", path, archName, main.name(), ms);
            return new Model(file, arch, config, split, loaders, choice, cpu, nGpu, notices, tokenizer, chat, o, nCtx, ms);
        } catch (RuntimeException | Error e) {
            for (WeightLoader l : loaders) l.close();
            if (cpu != null) cpu.close();
            if (choice != null) choice.device().close();
            file.close();
            throw e;
        }
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
    }

    /** True for backends that compute on the host (no layer is "offloaded" to them). */
    private static boolean hostBackend(String backend) {
        return backend.equals("cpu") || backend.equals("reference");
    }

    /**
     * Layers on the chosen GPU backend's device: -1 when the chosen backend is a host one (with a
     * notice when --gpu-layers was given), else the count asked for, capped at the layer count, or
     * for auto what {@link OffloadPlanner} fits in the device's free memory.
     */
    private static int gpuLayers(ModelOptions o, BackendChooser.Choice choice, GgufFile file, ModelConfig config, int nCtx,
                                 List<String> notices) {
        GpuLayers want = o.gpuLayers();
        if (hostBackend(choice.backend())) {
            if (!want.isAll()) {
                String n = "--gpu-layers " + want + " is ignored: the " + choice.backend() + " backend runs every layer on the host";
                notices.add(n);
                LOG.log(System.Logger.Level.WARNING, n);
            }
            return -1;
        }
        if (!want.isAuto()) return want.resolve(config.nLayer());
        OffloadPlanner.Sizes sizes = OffloadPlanner.estimate(file, config, o.kvCacheType(), nCtx, o.microBatch());
        long free = choice.device().freeMemory();
        int n = OffloadPlanner.autoLayers(sizes, free);
        String msg = String.format(Locale.ROOT,
                "--gpu-layers auto: %d of %d layers fit in %s MiB free on %s (%s MiB needed for all, %s MiB reserved for compute)",
                n, config.nLayer(), mib(free), choice.device().name(), mib(sizes.needed(config.nLayer())), mib(sizes.reserve()));
        notices.add(msg);
        LOG.log(System.Logger.Level.INFO, msg);
        return n;
    }

    /** The CPU backend's device, for the layers a partial offload keeps on the host. */
    private static Device cpuDevice(GpuLayers want) {
        BackendChooser.Choice c;
        try {
            c = BackendChooser.choose("cpu");
        } catch (QuantaException e) {
            throw new QuantaException("--gpu-layers " + want + " needs the cpu backend for the other layers: " + e.getMessage(), e);
        }
        if (!c.backend().equals("cpu")) {
            c.device().close();
            throw new QuantaException("--gpu-layers " + want + " needs the cpu backend for the other layers, but it did not start: "
                    + String.join("; ", c.warnings()));
        }
        return c.device();
    }

    private static Tokenizer tokenizer(GgufFile file) {
        if (!file.metadata().has("tokenizer.ggml.tokens")) return null;
        try {
            return Tokenizer.fromGguf(file.metadata());
        } catch (RuntimeException e) {
            throw new QuantaException(file.path() + ": " + e.getMessage(), e);
        }
    }

    /** The model's chat template; a built-in format by architecture when it has none or its own does not compile. */
    private static ChatTemplate chatTemplate(GgufFile file) {
        try {
            return ChatTemplate.forModel(file.metadata());
        } catch (RuntimeException e) {
            String name = ChatTemplate.builtinNameFor(file.metadata());
            LOG.log(System.Logger.Level.WARNING, "{0}: the chat template cannot be used ({1}); using the built-in ''{2}'' format",
                    file.path().getFileName(), e.getMessage(), name);
            return ChatTemplate.builtin(name);
        }
    }

    /** Reads one byte per page of the mapped data section so that the first forward pass does not wait for the disk. */
    private static void prefault(GgufFile file, DoubleConsumer progress) {
        MemorySegment s = file.segment();
        long start = Math.min(file.dataStart(), s.byteSize()), end = s.byteSize();
        long step = 4096, chunk = 64L << 20;
        long sink = 0;
        for (long off = start; off < end; off += chunk) {
            long stop = Math.min(end, off + chunk);
            for (long p = off; p < stop; p += step) sink += s.get(ValueLayout.JAVA_BYTE, p);
            if (progress != null) progress.accept((double) (stop - start) / Math.max(1, end - start));
        }
        if (sink == 42) LOG.log(System.Logger.Level.TRACE, "");
    }

    /** A new session with its own KV cache of {@link #contextLength()} cells. */
    public Session newSession() {
        return newSession(nCtx);
    }

    /** A new session with a KV cache of {@code contextLength} cells. */
    public synchronized Session newSession(int contextLength) {
        ensureOpen();
        Session s = new Session(this, newContextUnregistered(contextLength, options.kvCacheType()));
        open.add(s);
        return s;
    }

    /**
     * A bare evaluation context (KV cache + stream) for callers that schedule batches themselves,
     * e.g. a server running several sequences in one batch. Closed with the model.
     */
    public synchronized InferenceContext newContext(int contextLength, GgmlType kvType) {
        ensureOpen();
        InferenceContext c = newContextUnregistered(contextLength, kvType);
        open.add(c);
        return c;
    }

    private InferenceContext newContextUnregistered(int contextLength, GgmlType kvType) {
        return new InferenceContext(arch, config, split, contextLength, kvType, options.microBatch());
    }

    synchronized void closed(AutoCloseable c) {
        open.remove(c);
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("model is closed");
    }

    public ModelConfig config() { return config; }
    public Architecture architecture() { return arch; }
    /** The weights as the first layers' device holds them (with a split, {@link #split()} has each device's). */
    public ModelWeights weights() { return split.first().weights(); }
    /** Which device computes which layers. */
    public LayerSplit split() { return split; }
    /**
     * Layers on the GPU backend's device: all of them unless {@code --gpu-layers} asked for fewer
     * (the rest run on the CPU backend); 0 when the chosen backend is a host one (cpu, reference).
     */
    public int gpuLayers() { return gpuLayers < 0 ? 0 : gpuLayers; }
    /** What loading decided that a user should know (backend fallbacks, --gpu-layers ignored or split), also logged. */
    public List<String> notices() { return notices; }
    public GgufFile file() { return file; }
    public Path path() { return file.path(); }
    public Device device() { return backend.device(); }
    /** The chosen backend's name ("cpu", "reference", ...). */
    public String backendName() { return backend.backend(); }
    public ModelOptions options() { return options; }
    /** Default KV cells per session. */
    public int contextLength() { return nCtx; }
    /** Time {@link Quanta#load} took, in milliseconds. */
    public double loadMillis() { return loadMillis; }

    /** The tokenizer; a {@link QuantaException} when the file has none. */
    public Tokenizer tokenizer() {
        if (tokenizer == null) throw new QuantaException(file.path() + ": the file has no tokenizer (tokenizer.ggml.* keys)");
        return tokenizer;
    }

    public boolean hasTokenizer() { return tokenizer != null; }

    /**
     * The chat template: the file's own, else llama.cpp's built-in format for the architecture
     * (e.g. llama2 or llama3, chatml). Null only when the model has no tokenizer.
     */
    public ChatTemplate chatTemplate() { return chat; }

    /** Token ids of {@code text}; with {@code addSpecial} BOS first when the vocabulary asks for it. */
    public int[] tokenize(String text, boolean addSpecial) {
        return tokenizer().encode(text, addSpecial, false);
    }

    /** The text of {@code ids} (control tokens produce nothing), as llama.cpp's detokenize. */
    public String detokenize(int[] ids) {
        return tokenizer().decode(ids);
    }

    // ---- constrained decoding ---------------------------------------------------------------------

    /**
     * The vocabulary as grammars see it, built once and cached: each token's bytes as generation
     * prints them (control tokens excluded, except {@link #TEXT_CONTROL_TOKENS}), the tokenizer's
     * end-of-generation tokens, and one slot per logit ({@code n_vocab} may exceed the tokenizer's size).
     */
    public GrammarVocabulary grammarVocabulary() {
        GrammarVocabulary v = grammarVocab;
        if (v != null) return v;
        synchronized (this) {
            if (grammarVocab != null) return grammarVocab;
            Tokenizer tok = tokenizer();
            int n = Math.max(config.nVocab(), tok.vocabSize());
            byte[][] bytes = new byte[n][];
            BitSet markers = textControlTokens();
            for (int i = 0; i < tok.vocabSize(); i++) {
                if (tok.isEndOfGeneration(i)) continue;
                bytes[i] = markers.get(i) ? tok.piece(i).getBytes(StandardCharsets.UTF_8) : tok.pieceBytes(i, false);
            }
            grammarVocab = GrammarVocabulary.of(bytes, tok.endOfGenerationIds());
            return grammarVocab;
        }
    }

    /** Ids of the {@link #TEXT_CONTROL_TOKENS} this vocabulary has (printed as text even though they are control tokens). */
    public BitSet textControlTokens() {
        BitSet b = markerTokens;
        if (b != null) return (BitSet) b.clone();
        Tokenizer tok = tokenizer();
        BitSet m = new BitSet();
        for (String t : TEXT_CONTROL_TOKENS) {
            int id = tok.tokenId(t);
            if (id >= 0 && !tok.isEndOfGeneration(id)) m.set(id);
        }
        markerTokens = m;
        return (BitSet) m.clone();
    }

    /**
     * The compiled grammar of {@code spec}; the last few are cached so that repeated requests
     * share a grammar's token-mask cache.
     *
     * @throws QuantaException when the grammar or schema is malformed or can match nothing
     */
    public Grammar grammar(GrammarSpec spec) {
        synchronized (grammars) {
            Grammar g = grammars.get(spec);
            if (g != null) return g;
        }
        Grammar g;
        try {
            GrammarSpec.Converted c = spec.toGbnf();
            for (String w : c.notEnforced()) LOG.log(System.Logger.Level.WARNING, "JSON Schema: not enforced: {0}", w);
            g = Grammar.parse(c.gbnf());
        } catch (GrammarException e) {
            throw new QuantaException("invalid " + spec.describe() + ": " + e.getMessage(), e);
        }
        synchronized (grammars) {
            Grammar old = grammars.putIfAbsent(spec, g);
            return old != null ? old : g;
        }
    }

    /**
     * A per-request constraint for {@code spec} over this model's vocabulary, checked before any
     * token is generated: a malformed grammar, or one that no token of the vocabulary can start,
     * is a {@link QuantaException}.
     */
    public GrammarConstraint newGrammarConstraint(GrammarSpec spec) {
        GrammarConstraint c = new GrammarConstraint(grammar(spec), grammarVocabulary());
        if (c.allowedCount() == 0)
            throw new QuantaException("invalid " + spec.describe() + ": no token of this model's vocabulary can start it");
        return c;
    }

    /** A short description: the family and its key hyperparameters, size, backend. */
    public String describe() {
        long params = 0;
        for (GgufTensorInfo t : file.tensors()) params += t.nelements();
        String where = gpuLayers < 0 || gpuLayers == config.nLayer() ? "" : gpuLayers == 0
                ? " (--gpu-layers 0: every layer on " + cpuDevice.name() + ")"
                : String.format(Locale.ROOT, " (%d/%d layers; the other %d and the output layer on %s)",
                        gpuLayers, config.nLayer(), config.nLayer() - gpuLayers, cpuDevice.name());
        return String.format(Locale.ROOT, "%s (%s), %.2fM params, %s on %s%s", config.summary(), arch.models(),
                params / 1e6, backendName(), backend.device().name(), where);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (AutoCloseable c : open.toArray(new AutoCloseable[0])) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing " + c + ": " + e);
            }
        }
        open.clear();
        for (WeightLoader l : loaders) l.close();
        if (cpuDevice != null) cpuDevice.close();
        backend.device().close();
        file.close();
    }
}
