package dev.quanta.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.backend.BackendProvider;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.Probe;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class OpenClProviderTest {
    @Test
    void foundByServiceLoader() {
        assertTrue(ServiceLoader.load(BackendProvider.class).stream().anyMatch(p -> p.get().name().equals("opencl")));
    }

    @Test
    void cpuDeviceScoresLowWithReasonButStaysUsable() {
        ClDevice info = TestDevices.requireDevice();
        Probe p = new OpenClBackendProvider().probe();
        if (info.isCpu()) {
            assertEquals(5, p.score());
            assertTrue(p.reason().startsWith(OpenClBackendProvider.CPU_REASON), p.reason());
        } else {
            assertTrue(p.score() >= 40, p.toString());
        }
        List<Device> ds = new OpenClBackendProvider().devices();
        try {
            assertFalse(ds.isEmpty());
            Device d = ds.get(0);
            assertEquals("opencl", d.backend());
            assertTrue(d.properties().containsKey("compute_units"));
            assertTrue(d.totalMemory() > 0);
        } finally {
            ds.forEach(Device::close);
        }
    }
}
