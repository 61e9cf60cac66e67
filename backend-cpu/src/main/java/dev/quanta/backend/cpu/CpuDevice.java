package dev.quanta.backend.cpu;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.DeviceBuffer;
import dev.quanta.kernels.backend.DeviceKind;
import dev.quanta.kernels.backend.HostBuffer;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Op;
import dev.quanta.kernels.graph.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The CPU as one device: host memory ({@link HostBuffer}; {@link #wrapHost} is zero-copy, so
 * mmap'd weights are read in place), a fixed pool of platform threads shared by its streams, and
 * Vector API kernels of the width fixed in {@link Simd}.
 */
public final class CpuDevice implements Device {
    private final CpuThreadPool pool;
    private final List<CpuStream> streams = new ArrayList<>();
    private final MatMul kernelTable;

    /** A device with {@code threads} compute threads (the caller of compute counts as one). */
    public CpuDevice(int threads) {
        this.pool = new CpuThreadPool(threads);
        this.kernelTable = new MatMul(new CpuThreadPool(1));
    }

    /** Threads from {@code -Dquanta.cpu.threads}, else the available processors. */
    public static int defaultThreads() {
        Integer t = Integer.getInteger("quanta.cpu.threads");
        return t != null && t > 0 ? t : Runtime.getRuntime().availableProcessors();
    }

    public int threads() {
        return pool.threads();
    }

    @Override
    public String name() {
        return "cpu (" + pool.threads() + " threads, " + Simd.describe() + ")";
    }

    @Override
    public String backend() {
        return "cpu";
    }

    @Override
    public DeviceKind kind() {
        return DeviceKind.CPU;
    }

    @Override
    public long totalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
            return os.getTotalMemorySize();
        return Runtime.getRuntime().maxMemory();
    }

    @Override
    public long freeMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
            return os.getFreeMemorySize();
        return Runtime.getRuntime().freeMemory();
    }

    @Override
    public boolean supports(Tensor node) {
        Op op = node.op();
        return switch (op) {
            case MUL_MAT -> {
                GgmlType wt = node.src(0).type();
                yield kernelTable.supports(wt) && node.src(0).ne(0) % wt.blockSize == 0
                        && (!wt.isQuantized() || node.src(0).ne(0) % 32 == 0);
            }
            case ATTENTION -> Attention.supports(node);
            default -> RowOps.supports(node);
        };
    }

    @Override
    public DeviceBuffer allocate(long bytes, String label) {
        if (bytes < 0) throw new IllegalArgumentException("buffer '" + label + "': negative size " + bytes);
        return HostBuffer.allocate(this, bytes);
    }

    @Override
    public DeviceBuffer wrapHost(MemorySegment host, String label) {
        return HostBuffer.wrap(this, host);
    }

    @Override
    public synchronized Stream openStream() {
        CpuStream s = new CpuStream(this, pool);
        streams.add(s);
        return s;
    }

    @Override
    public synchronized void close() {
        for (CpuStream s : streams) s.close();
        streams.clear();
        pool.close();
    }
}
