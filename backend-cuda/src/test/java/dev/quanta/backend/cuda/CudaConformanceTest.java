package dev.quanta.backend.cuda;

import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.conformance.BackendConformanceTest;
import org.junit.jupiter.api.AfterAll;

/** The whole conformance catalogue on the first CUDA device; every case is a reported skip without one. */
class CudaConformanceTest extends BackendConformanceTest {
    private static final CudaBackendProvider PROVIDER = new CudaBackendProvider();
    private static Device device;

    @Override
    protected Device device() {
        if (device == null && PROVIDER.probe().usable() && !PROVIDER.devices().isEmpty()) device = PROVIDER.devices().get(0);
        return device;
    }

    @Override
    protected String absentReason() {
        return "no CUDA device: " + PROVIDER.probe().reason();
    }

    @AfterAll
    static void closeDevice() {
        if (device != null) device.close();
    }
}
