package dev.quanta.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.quanta.backend.cuda.ffm.CudaDriver;
import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.DeviceBuffer;
import dev.quanta.kernels.backend.DeviceKind;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/** One NVIDIA GPU: its primary context, the loaded kernel module, allocations and streams. */
public final class CudaDevice implements Device {
    private final int ordinal;
    private final String name;
    private final int ccMajor, ccMinor, smCount;
    private final long totalMem;
    private final MemorySegment ctx;
    private final MemorySegment module;
    private final Map<String, MemorySegment> functions = new HashMap<>();
    private final Arena arena = Arena.ofShared();
    private boolean closed;

    CudaDevice(int ordinal) {
        this.ordinal = ordinal;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dev = a.allocate(JAVA_INT);
            Cuda.check(Cuda.call(() -> (int) CudaDriver.cuDeviceGet.invokeExact(dev, ordinal)), "cuDeviceGet");
            int d = dev.get(JAVA_INT, 0);
            MemorySegment nm = a.allocate(256);
            Cuda.check(Cuda.call(() -> (int) CudaDriver.cuDeviceGetName.invokeExact(nm, 256, d)), "cuDeviceGetName");
            this.name = nm.getString(0);
            this.ccMajor = attribute(d, CudaDriver.ATTR_COMPUTE_CAPABILITY_MAJOR);
            this.ccMinor = attribute(d, CudaDriver.ATTR_COMPUTE_CAPABILITY_MINOR);
            this.smCount = attribute(d, CudaDriver.ATTR_MULTIPROCESSOR_COUNT);
            MemorySegment mem = a.allocate(JAVA_LONG);
            Cuda.check(Cuda.call(() -> (int) CudaDriver.cuDeviceTotalMem.invokeExact(mem, d)), "cuDeviceTotalMem");
            this.totalMem = mem.get(JAVA_LONG, 0);
            MemorySegment pctx = a.allocate(ADDRESS);
            Cuda.check(Cuda.call(() -> (int) CudaDriver.cuDevicePrimaryCtxRetain.invokeExact(pctx, d)), "cuDevicePrimaryCtxRetain");
            this.ctx = pctx.get(ADDRESS, 0);
        }
        makeCurrent();
        this.module = loadModule();
    }

    static int attribute(int dev, int attr) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            Cuda.check(Cuda.call(() -> (int) CudaDriver.cuDeviceGetAttribute.invokeExact(v, attr, dev)), "cuDeviceGetAttribute");
            return v.get(JAVA_INT, 0);
        }
    }

    /** Loads the fatbin (cubins for sm_75..sm_90, PTX JIT for others) from the kernels jar. */
    private MemorySegment loadModule() {
        byte[] image = resource("kernels/cuda/quanta.fatbin");
        MemorySegment img = arena.allocate(image.length + 1L, 64);
        MemorySegment.copy(image, 0, img, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, image.length);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            Cuda.check(Cuda.call(() -> (int) CudaDriver.cuModuleLoadData.invokeExact(out, img)), "cuModuleLoadData(quanta.fatbin)");
            return out.get(ADDRESS, 0);
        }
    }

    private static byte[] resource(String path) {
        try (InputStream in = CudaDevice.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new CudaException("load " + path, -1, "resource missing", "the quanta-kernels jar lacks " + path);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new CudaException("load " + path, -1, "I/O error", e.getMessage());
        }
    }

    synchronized MemorySegment function(String kernel) {
        return functions.computeIfAbsent(kernel, k -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(ADDRESS);
                MemorySegment nm = a.allocateFrom(k);
                Cuda.check(Cuda.call(() -> (int) CudaDriver.cuModuleGetFunction.invokeExact(out, module, nm)), "cuModuleGetFunction(" + k + ")");
                return out.get(ADDRESS, 0);
            }
        });
    }

    void makeCurrent() {
        Cuda.check(Cuda.call(() -> (int) CudaDriver.cuCtxSetCurrent.invokeExact(ctx)), "cuCtxSetCurrent");
    }

    /** A native view of {@code src} usable by the driver (copies heap segments). */
    MemorySegment staging(MemorySegment src) {
        if (src.isNative()) return src;
        MemorySegment m = Arena.ofAuto().allocate(src.byteSize(), 64);
        MemorySegment.copy(src, 0, m, 0, src.byteSize());
        return m;
    }

    public int ordinal() { return ordinal; }
    public int computeCapabilityMajor() { return ccMajor; }
    public int computeCapabilityMinor() { return ccMinor; }
    public int multiprocessors() { return smCount; }

    @Override public String name() { return "cuda:" + ordinal + " (" + name + ", sm_" + ccMajor + ccMinor + ", " + smCount + " SMs, " + (totalMem >> 20) + " MiB)"; }
    @Override public String backend() { return "cuda"; }
    @Override public DeviceKind kind() { return DeviceKind.GPU; }
    @Override public long totalMemory() { return totalMem; }

    @Override
    public long freeMemory() {
        makeCurrent();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(JAVA_LONG), total = a.allocate(JAVA_LONG);
            Cuda.check(Cuda.call(() -> (int) CudaDriver.cuMemGetInfo.invokeExact(free, total)), "cuMemGetInfo");
            return free.get(JAVA_LONG, 0);
        }
    }

    @Override
    public boolean supports(Tensor node) {
        return CudaStream.supported(node);
    }

    @Override
    public DeviceBuffer allocate(long bytes, String label) {
        makeCurrent();
        long n = Math.max(1, bytes);
        long ptr;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG);
            int r = Cuda.call(() -> (int) CudaDriver.cuMemAlloc.invokeExact(out, n));
            if (r != 0) throw new CudaException("cuMemAlloc(" + n + " bytes for " + label + ")", r, Cuda.errorName(r), Cuda.errorString(r));
            ptr = out.get(JAVA_LONG, 0);
        }
        CudaBuffer b = new CudaBuffer(this, ptr, n);
        Cuda.check(Cuda.call(() -> (int) CudaDriver.cuMemsetD8Async.invokeExact(ptr, 0, n, MemorySegment.NULL)), "cuMemsetD8Async");
        Cuda.check(Cuda.call(() -> (int) CudaDriver.cuCtxSynchronize.invokeExact()), "cuCtxSynchronize");
        return b;
    }

    @Override
    public DeviceBuffer wrapHost(MemorySegment host, String label) {
        DeviceBuffer b = allocate(host.byteSize(), label);
        b.write(0, host);
        return b;
    }

    @Override
    public Stream openStream() {
        return new CudaStream(this);
    }

    /** The element type names the kernels are instantiated for. */
    static String kernelSuffix(GgmlType t) {
        return switch (t) {
            case F32 -> "f32"; case F16 -> "f16"; case BF16 -> "bf16"; case Q4_0 -> "q4_0"; case Q4_1 -> "q4_1";
            case Q5_0 -> "q5_0"; case Q5_1 -> "q5_1"; case Q8_0 -> "q8_0"; case Q2_K -> "q2_k"; case Q3_K -> "q3_k";
            case Q4_K -> "q4_k"; case Q5_K -> "q5_k"; case Q6_K -> "q6_k"; case IQ4_NL -> "iq4_nl"; case IQ4_XS -> "iq4_xs";
            default -> null;
        };
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        makeCurrent();
        Cuda.call(() -> (int) CudaDriver.cuModuleUnload.invokeExact(module));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dev = a.allocate(JAVA_INT);
            Cuda.call(() -> (int) CudaDriver.cuDeviceGet.invokeExact(dev, ordinal));
            int d = dev.get(JAVA_INT, 0);
            Cuda.call(() -> (int) CudaDriver.cuDevicePrimaryCtxRelease.invokeExact(d));
        }
        arena.close();
    }
}
