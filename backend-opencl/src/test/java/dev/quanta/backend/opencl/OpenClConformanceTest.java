package dev.quanta.backend.opencl;

import dev.quanta.backend.opencl.ffm.OpenClLibrary;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.conformance.BackendConformanceTest;
import java.util.List;
import org.junit.jupiter.api.AfterAll;

/** The whole conformance catalogue on the first OpenCL device (PoCL in CI); reported skips without one. */
class OpenClConformanceTest extends BackendConformanceTest {
    private static Device device;
    private static String absent;

    @Override
    protected Device device() {
        if (device == null && absent == null) {
            if (!OpenClLibrary.available()) {
                absent = "OpenCL library: " + OpenClLibrary.reason();
            } else {
                List<Device> ds = new OpenClBackendProvider().devices();
                if (ds.isEmpty()) absent = "no OpenCL device: " + new OpenClBackendProvider().probe().reason();
                else device = ds.get(0);
                for (int i = 1; i < ds.size(); i++) ds.get(i).close();
            }
        }
        return device;
    }

    @Override
    protected String absentReason() {
        return absent != null ? absent : "no OpenCL device";
    }

    @AfterAll
    static void closeDevice() {
        if (device != null) device.close();
    }
}
