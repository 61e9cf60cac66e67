package dev.quanta.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.backend.BackendProvider;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.DeviceKind;
import dev.quanta.kernels.backend.Probe;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProviderTest {
    @Test
    void foundThroughServiceLoaderWithAScoreAboveTheReference() {
        BackendProvider cpu = ServiceLoader.load(BackendProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals("cpu")).findFirst().orElseThrow();
        Probe p = cpu.probe();
        System.out.println("cpu probe: " + p);
        assertTrue(p.score() > 1, p.toString());
        assertTrue(p.reason().contains("threads"), p.reason());
        assertTrue(p.reason().contains(Simd.SCALAR ? "scalar" : Simd.BITS + "-bit"), p.reason());
        assertEquals(1, cpu.devices().size());
        Device d = cpu.devices().getFirst();
        assertEquals(DeviceKind.CPU, d.kind());
        assertEquals("cpu", d.backend());
        assertTrue(d.totalMemory() > 0);
    }

    @Test
    void threadCountFromTheConstructor() {
        CpuBackendProvider p = new CpuBackendProvider(3);
        assertTrue(p.probe().reason().startsWith("3 threads"), p.probe().reason());
        assertEquals(3, ((CpuDevice) p.devices().getFirst()).threads());
        p.devices().getFirst().close();
    }

    @Test
    void wrapHostIsZeroCopy() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(256);
            var buf = CpuTestSupport.DEVICE.wrapHost(host, "weights");
            MemorySegment view = buf.hostView().orElseThrow();
            assertEquals(host.address(), view.address());
            assertEquals(256, buf.size());
        }
    }

    /** A JVM without --add-modules jdk.incubator.vector: the probe says so in one line, score 0. */
    @Test
    void launchWithoutTheVectorModuleIsReported() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process pr = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ProbeMain.class.getName())
                .redirectErrorStream(true).start();
        assertTrue(pr.waitFor(60, TimeUnit.SECONDS), "probe JVM did not finish");
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        System.out.println("without the module: " + out);
        assertTrue(out.contains("devices=0"), out);
        assertTrue(out.contains("score=0 reason=the JVM was started without --add-modules jdk.incubator.vector"
                + " (the CPU kernels need the Vector API; ./quanta passes it)"), out);
    }

    /** Prints the cpu probe (run in a child JVM). */
    public static final class ProbeMain {
        public static void main(String[] args) {
            Probe p = new CpuBackendProvider().probe();
            System.out.println("score=" + p.score() + " reason=" + p.reason());
            System.out.println("devices=" + new CpuBackendProvider().devices().size());
        }
    }
}
