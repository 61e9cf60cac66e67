package dev.quanta.kernels.ref;

import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.conformance.BackendConformanceTest;
import org.junit.jupiter.api.AfterAll;

/** The whole conformance catalogue on the reference backend (it must agree with itself, guards and reads included). */
class ReferenceConformanceTest extends BackendConformanceTest {
    private static Device device;

    @Override
    protected Device device() {
        if (device == null) device = ReferenceBackend.openDevice();
        return device;
    }

    @AfterAll
    static void closeDevice() {
        if (device != null) device.close();
    }
}
