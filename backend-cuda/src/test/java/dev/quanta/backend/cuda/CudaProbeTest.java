package dev.quanta.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.backend.cuda.ffm.CudaLibrary;
import dev.quanta.kernels.backend.BackendProvider;
import dev.quanta.kernels.backend.Probe;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class CudaProbeTest {
    @Test
    void providerIsFoundThroughServiceLoader() {
        boolean found = ServiceLoader.load(BackendProvider.class).stream().anyMatch(p -> p.type() == CudaBackendProvider.class);
        assertTrue(found, "CudaBackendProvider must be registered in META-INF/services");
    }

    @Test
    void probeNeverThrowsAndExplainsItself() {
        Probe p = new CudaBackendProvider().probe();
        System.out.println("cuda probe: score " + p.score() + ", " + p.reason());
        assertFalse(p.reason() == null || p.reason().isBlank());
        if (!CudaLibrary.available()) {
            assertEquals(0, p.score());
            assertTrue(p.reason().contains("libcuda.so.1") || p.reason().contains("native access") || p.reason().contains("macOS"), p.reason());
            assertTrue(new CudaBackendProvider().devices().isEmpty());
        }
    }

    @Test
    void fatbinAndPtxShipInTheKernelsJar() {
        for (String r : new String[] {"kernels/cuda/quanta.fatbin", "kernels/cuda/quanta.ptx"})
            assertTrue(CudaProbeTest.class.getClassLoader().getResource(r) != null, r + " missing from the classpath");
    }
}
