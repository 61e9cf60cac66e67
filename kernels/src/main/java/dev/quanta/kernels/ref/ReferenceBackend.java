package dev.quanta.kernels.ref;

import dev.quanta.kernels.backend.BackendProvider;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.Probe;
import java.util.List;

/**
 * The reference backend: runs graphs node by node on the host with {@link ReferenceOps}. Always
 * usable, lowest priority (score 1): it is the oracle of the conformance suite and the fallback
 * of last resort, not a fast path.
 */
public final class ReferenceBackend implements BackendProvider {
    public static final String NAME = "reference";

    private ReferenceDevice device;

    /** ServiceLoader constructor. */
    public ReferenceBackend() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Probe probe() {
        return new Probe(1, "scalar Java reference ops (always available, slowest)");
    }

    @Override
    public synchronized List<Device> devices() {
        if (device == null || device.isClosed()) device = new ReferenceDevice();
        return List.of(device);
    }

    /** A new host device of the reference backend (for tests and tools that want it directly). */
    public static ReferenceDevice openDevice() {
        return new ReferenceDevice();
    }
}
