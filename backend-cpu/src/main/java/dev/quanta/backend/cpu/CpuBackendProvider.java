package dev.quanta.backend.cpu;

import dev.quanta.kernels.backend.BackendProvider;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.Probe;
import java.util.List;

/**
 * The "cpu" backend: Java Vector API kernels on a fixed thread pool. Scores 100 (the reference
 * backend scores 1) when {@code jdk.incubator.vector} is in the boot layer; a launch without
 * {@code --add-modules jdk.incubator.vector} scores 0 with that reason rather than running slowly.
 */
public final class CpuBackendProvider implements BackendProvider {
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    private final int threads;
    private volatile CpuDevice device;

    /** Threads from {@code -Dquanta.cpu.threads}, else all available processors (ServiceLoader entry). */
    public CpuBackendProvider() {
        this(0);
    }

    /** {@code threads} compute threads; 0 or less = the default. */
    public CpuBackendProvider(int threads) {
        this.threads = threads > 0 ? threads : CpuDevice.defaultThreads();
    }

    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Probe probe() {
        if (!vectorModulePresent())
            return Probe.unusable("the JVM was started without --add-modules " + VECTOR_MODULE
                    + " (the CPU kernels need the Vector API; ./quanta passes it)");
        try {
            String note = Simd.NOTE.isEmpty() ? "" : "; " + Simd.NOTE;
            return new Probe(100, threads + " threads, " + Simd.describe() + note);
        } catch (Throwable e) {
            return Probe.unusable("Vector API unusable: " + e);
        }
    }

    @Override
    public List<Device> devices() {
        if (!probe().usable()) return List.of();
        CpuDevice d = device;
        if (d == null) {
            synchronized (this) {
                if (device == null) device = new CpuDevice(threads);
                d = device;
            }
        }
        return List.of(d);
    }
}
