package dev.quanta.backend.cpu;

import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.conformance.BackendConformanceTest;
import org.junit.jupiter.api.AfterAll;

/**
 * The whole conformance catalogue on the CPU device. The module's surefire runs it three times:
 * at the preferred SIMD width, at 256 bits, and as scalar code ({@code -Dquanta.cpu.vectorBits=0}).
 */
class CpuConformanceTest extends BackendConformanceTest {
    private static Device device;

    @Override
    protected Device device() {
        if (device == null) device = new CpuDevice(2);
        return device;
    }

    @AfterAll
    static void closeDevice() {
        if (device != null) device.close();
    }
}
