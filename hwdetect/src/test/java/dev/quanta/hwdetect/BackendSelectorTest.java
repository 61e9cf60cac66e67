package dev.quanta.hwdetect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.backend.BackendException;
import dev.quanta.kernels.backend.BackendProvider;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.DeviceBuffer;
import dev.quanta.kernels.backend.DeviceKind;
import dev.quanta.kernels.backend.Probe;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendSelectorTest {
    static final List<String> closed = new ArrayList<>();

    record FakeDevice(String name) implements Device {
        public String backend() { return "fake"; }
        public DeviceKind kind() { return DeviceKind.CPU; }
        public long totalMemory() { return 1; }
        public long freeMemory() { return 1; }
        public boolean supports(Tensor node) { return true; }
        public DeviceBuffer allocate(long bytes, String label) { throw new UnsupportedOperationException(); }
        public DeviceBuffer wrapHost(MemorySegment host, String label) { throw new UnsupportedOperationException(); }
        public Stream openStream() { throw new UnsupportedOperationException(); }
        public void close() { closed.add(name); }
    }

    /** A provider with a fixed probe; devices() throws when {@code broken}. */
    record Fake(String name, int score, String reason, boolean broken, List<String> deviceNames) implements BackendProvider {
        Fake(String name, int score, String reason) {
            this(name, score, reason, false, List.of(name + "-dev0", name + "-dev1"));
        }

        public Probe probe() {
            if (score < 0) throw new IllegalStateException("boom");
            return new Probe(score, reason);
        }

        public List<Device> devices() {
            if (broken) throw new BackendException(name + " driver crashed");
            List<Device> out = new ArrayList<>();
            for (String d : deviceNames) out.add(new FakeDevice(d));
            return out;
        }
    }

    @Test
    void bestScoreWinsAndCandidatesAreListed() {
        var s = new BackendSelector(List.of(new Fake("cpu", 50, "AVX2"), new Fake("opencl", 5, "OpenCL device is a CPU"),
                new Fake("cuda", 0, "libcuda.so.1 not found"))).select(null);
        assertEquals("cpu", s.chosen().name());
        assertEquals("cpu-dev0", s.device().name());
        assertTrue(s.warnings().isEmpty());
        assertEquals(List.of("cpu", "opencl"), s.candidates().stream().map(BackendSelector.Candidate::name).toList());
    }

    @Test
    void overrideWithDeviceIndexOrName() {
        var providers = List.<BackendProvider>of(new Fake("cpu", 50, "AVX2"), new Fake("opencl", 5, "CPU device"));
        closed.clear();
        var s = new BackendSelector(providers).select("opencl:1");
        assertEquals("opencl-dev1", s.device().name());
        assertEquals(List.of("opencl-dev0"), closed, "devices not chosen are closed");
        assertEquals("opencl-dev0", new BackendSelector(providers).select("OpenCL:DEV0").device().name());
        assertEquals("cpu-dev0", new BackendSelector(providers).select("cpu").device().name());
    }

    @Test
    void unknownOverrideNamesTheAvailableBackends() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new BackendSelector(List.of(new Fake("cpu", 50, "AVX2"))).select("vulkan"));
        assertEquals("unknown backend 'vulkan'; available: cpu", e.getMessage());
    }

    @Test
    void failingStartFallsBackWithAWarning() {
        var s = new BackendSelector(List.of(new Fake("cuda", 100, "H200", true, List.of()), new Fake("cpu", 50, "AVX2")))
                .select(null);
        assertEquals("cpu", s.chosen().name());
        assertEquals(List.of("backend cuda failed to start: cuda driver crashed; falling back to cpu"), s.warnings());
    }

    @Test
    void missingDeviceInOverrideFallsBack() {
        var s = new BackendSelector(List.of(new Fake("opencl", 5, "x"), new Fake("cpu", 50, "AVX2"))).select("opencl:7");
        assertEquals("cpu", s.chosen().name());
        assertTrue(s.warnings().get(0).contains("no device '7'"), s.warnings().toString());
    }

    @Test
    void overrideOfAnUnusableBackendFallsBackWithItsReason() {
        var s = new BackendSelector(List.of(new Fake("cuda", 0, "libcuda.so.1 not found"), new Fake("cpu", 50, "AVX2")))
                .select("cuda");
        assertEquals("cpu", s.chosen().name());
        assertEquals("backend cuda failed to start: libcuda.so.1 not found; falling back to cpu", s.warnings().get(0));
    }

    @Test
    void throwingProbeIsContainedAndNothingUsableIsOneClearError() {
        var e = assertThrows(BackendException.class, () -> new BackendSelector(
                List.of(new Fake("weird", -1, ""), new Fake("cuda", 0, "libcuda.so.1 not found"))).select(null));
        assertTrue(e.getMessage().contains("cuda (score 0: libcuda.so.1 not found)"), e.getMessage());
        assertTrue(e.getMessage().contains("probe failed: java.lang.IllegalStateException: boom"), e.getMessage());
    }

    @Test
    void reportListsBackendsAndDevices() {
        HardwareReport r = HardwareReport.collect(List.of(new Fake("cpu", 50, "AVX2"), new Fake("opencl", 0, "no platform")));
        assertEquals(3, r.backends().size());
        assertEquals(2, r.backends().get(0).devices().size());
        assertTrue(r.backends().get(1).devices().isEmpty());
        assertEquals("cuda", r.backends().get(2).name());
        assertTrue(r.toText().contains("no platform"));
        assertTrue(r.cpu().logicalCores() > 0);
    }
}
