package dev.quanta.backend.opencl;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.DeviceBuffer;
import dev.quanta.kernels.backend.DeviceKind;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One OpenCL device: its context, the program built for it (from the on-disk cache when possible,
 * on first use), a queue for synchronous buffer transfers, and the buffers and streams it hands out.
 *
 * <p>System properties: {@code quanta.opencl.maxAlloc} lowers the largest single allocation (to
 * exercise buffer splitting), {@code quanta.opencl.subgroups=false} and {@code quanta.opencl.fp16=false}
 * force the local-memory and float paths on devices that have the extensions.
 */
public final class OpenClDevice implements Device {
    /** Weight types MUL_MAT and GET_ROWS read. */
    public static final Set<GgmlType> WEIGHT_TYPES = EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0,
            GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q8_1, GgmlType.Q2_K, GgmlType.Q3_K,
            GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q8_K, GgmlType.IQ4_NL, GgmlType.IQ4_XS);
    /** Types of the KV cache that ATTENTION reads. */
    public static final Set<GgmlType> STORE_TYPES = EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0);
    /**
     * Destinations of CPY and SET_ROWS from F32: the float types and the block types with a simple
     * per-block quantizer (quants.h quantize_block). Not the K-quants (their reference quantizers
     * are iterative searches; ggml's GPU backends do not write them either) nor IQ4_* (no reference
     * quantizer in the codecs to check against).
     */
    public static final Set<GgmlType> QUANTIZE_TYPES = EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0,
            GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q8_1, GgmlType.Q8_K);

    private final ClDevice info;
    private final ClContext context;
    private final ClQueue transfer;
    private final long maxAllocation;
    private final Set<OpenClBuffer> buffers = ConcurrentHashMap.newKeySet();
    private final List<OpenClStream> streams = new ArrayList<>();
    private volatile ClProgram program;
    private boolean closed;

    public OpenClDevice(ClDevice info) {
        this.info = info;
        this.context = new ClContext(info);
        try {
            this.transfer = new ClQueue(context, false);
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
        long max = info.maxAllocSize();
        long prop = Long.getLong("quanta.opencl.maxAlloc", 0L);
        this.maxAllocation = prop > 0 ? Math.min(prop, max) : max;
    }

    public ClDevice info() {
        return info;
    }

    ClContext context() {
        return context;
    }

    ClQueue transferQueue() {
        return transfer;
    }

    /** The largest single cl_mem this backend creates. */
    public long maxAllocation() {
        return maxAllocation;
    }

    /** True when kernels are built with sub-group reductions. */
    public boolean subgroups() {
        return (info.hasExtension("cl_khr_subgroups") || info.hasExtension("cl_intel_subgroups"))
                && !"false".equals(System.getProperty("quanta.opencl.subgroups"));
    }

    /** True when kernels may use half arithmetic. */
    public boolean fp16() {
        return info.hasExtension("cl_khr_fp16") && !"false".equals(System.getProperty("quanta.opencl.fp16"));
    }

    /** The build options of the kernel program. */
    public String buildOptions() {
        StringBuilder sb = new StringBuilder("-cl-std=CL1.2");
        if (!subgroups()) sb.append(" -DQUANTA_NO_SUBGROUPS");
        if (!fp16()) sb.append(" -DQUANTA_NO_FP16");
        return sb.toString();
    }

    /** The kernel program, built (or loaded from the cache) on first use. */
    public ClProgram program() {
        ClProgram p = program;
        if (p == null) {
            synchronized (this) {
                if (program == null) program = ProgramCache.defaultCache().build(context, KernelSources.program(), buildOptions());
                p = program;
            }
        }
        return p;
    }

    @Override
    public String name() {
        return "opencl (" + info.name() + ", " + info.platform().name() + ")";
    }

    @Override
    public String backend() {
        return "opencl";
    }

    @Override
    public DeviceKind kind() {
        if (info.isGpu()) return info.hostUnified() ? DeviceKind.IGPU : DeviceKind.GPU;
        if (info.isCpu()) return DeviceKind.CPU;
        return DeviceKind.ACCELERATOR;
    }

    @Override
    public long totalMemory() {
        return info.globalMemSize();
    }

    @Override
    public long freeMemory() {
        long used = 0;
        for (OpenClBuffer b : buffers) used += b.hostView().isPresent() ? 0 : b.size();
        synchronized (streams) {
            for (OpenClStream s : streams) used += s.scratchBytes();
        }
        return Math.max(0, info.globalMemSize() - used);
    }

    /** Platform, version, compute units, memory, extensions, build features: for the hardware report. */
    @Override
    public Map<String, String> properties() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("platform", info.platform().name() + " (" + info.platform().version() + ")");
        m.put("device", info.name());
        m.put("vendor", info.vendor());
        m.put("type", info.typeName());
        m.put("version", info.version());
        m.put("driver", info.driverVersion());
        m.put("opencl_c", info.openclCVersion());
        m.put("compute_units", Integer.toString(info.computeUnits()));
        m.put("clock_mhz", Integer.toString(info.clockMhz()));
        m.put("global_memory", Long.toString(info.globalMemSize()));
        m.put("max_allocation", Long.toString(info.maxAllocSize()));
        m.put("local_memory", Long.toString(info.localMemSize()));
        m.put("max_work_group", Long.toString(info.maxWorkGroupSize()));
        m.put("host_unified_memory", Boolean.toString(info.hostUnified()));
        m.put("subgroups", Boolean.toString(subgroups()));
        m.put("fp16", Boolean.toString(fp16()));
        m.put("extensions", String.join(" ", info.extensions()));
        return m;
    }

    @Override
    public boolean supports(Tensor node) {
        Tensor s0 = node.src(0);
        return switch (node.op()) {
            case NONE, VIEW -> true;
            case GET_ROWS -> WEIGHT_TYPES.contains(s0.type()) && s0.ne(2) * s0.ne(3) == 1;
            case MUL_MAT -> WEIGHT_TYPES.contains(s0.type());
            case ATTENTION -> {
                OpParams.Attention p = (OpParams.Attention) node.params();
                yield STORE_TYPES.contains(node.src(1).type()) && STORE_TYPES.contains(node.src(2).type())
                        && p.headDimV() <= 8 * OpenClStream.GROUP && p.headDim() * 4L <= info.localMemSize() / 2;
            }
            case SET_ROWS -> QUANTIZE_TYPES.contains(s0.type());
            case CPY -> s0.type() == node.type()
                    || (node.type() == GgmlType.F32 && WEIGHT_TYPES.contains(s0.type()))
                    || (s0.type() == GgmlType.F32 && QUANTIZE_TYPES.contains(node.type()));
            default -> true; // the F32 ops; Graph checked their types
        };
    }

    @Override
    public DeviceBuffer allocate(long bytes, String label) {
        return track(new OpenClBuffer(this, label, bytes, null));
    }

    @Override
    public DeviceBuffer wrapHost(MemorySegment host, String label) {
        return track(new OpenClBuffer(this, label, host.byteSize(), host));
    }

    private OpenClBuffer track(OpenClBuffer b) {
        checkOpen();
        buffers.add(b);
        return b;
    }

    void forget(OpenClBuffer b) {
        buffers.remove(b);
    }

    @Override
    public Stream openStream() {
        checkOpen();
        program();
        OpenClStream s = new OpenClStream(this);
        synchronized (streams) {
            streams.add(s);
        }
        return s;
    }

    void forget(OpenClStream s) {
        synchronized (streams) {
            streams.remove(s);
        }
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException(name() + " is closed");
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        List<OpenClStream> ss;
        synchronized (streams) {
            ss = new ArrayList<>(streams);
        }
        ss.forEach(OpenClStream::close);
        new ArrayList<>(buffers).forEach(OpenClBuffer::close);
        transfer.close();
        if (program != null) program.close();
        context.close();
    }

    @Override
    public String toString() {
        return name();
    }
}
