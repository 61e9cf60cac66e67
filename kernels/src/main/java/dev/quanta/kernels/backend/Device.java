package dev.quanta.kernels.backend;

import dev.quanta.kernels.graph.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/** One compute device of a backend. Closing it releases everything it allocated. */
public interface Device extends AutoCloseable {
    /** The provider's name plus the device, e.g. "cpu (2 threads, AVX-512)". */
    String name();

    /** The backend name of this device's provider ("cpu", "opencl", ...). */
    String backend();

    DeviceKind kind();

    /** Bytes of device memory (RAM for the CPU). */
    long totalMemory();

    /** Bytes free now, as the driver reports it (an estimate for the CPU). */
    long freeMemory();

    /**
     * Facts about the device for the hardware report (e.g. "compute_units", "version",
     * "extensions"), in display order; empty when the backend reports none.
     */
    default Map<String, String> properties() {
        return Map.of();
    }

    /** True when this device can compute {@code node} (its op with its source types and shapes). */
    boolean supports(Tensor node);

    /** A zeroed buffer of {@code bytes} in device memory; {@code label} names it in errors. */
    DeviceBuffer allocate(long bytes, String label);

    /**
     * A buffer holding the bytes of {@code host} (e.g. a memory-mapped weight file). Devices that
     * share host memory wrap it without copying; others upload it. The segment must stay alive
     * (its arena open) as long as the buffer is used.
     */
    DeviceBuffer wrapHost(MemorySegment host, String label);

    /** A new in-order stream (queue) to run graphs on. */
    Stream openStream();

    @Override
    void close();
}
