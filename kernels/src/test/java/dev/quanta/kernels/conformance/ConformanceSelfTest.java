package dev.quanta.kernels.conformance;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.DeviceBuffer;
import dev.quanta.kernels.backend.DeviceKind;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Op;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.kernels.ref.ReferenceBackend;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/** The suite catches broken backends: mutants of the reference device must fail or skip, never pass. */
class ConformanceSelfTest {
    enum Mutation { NONE, PERTURB, NAN, READ_OVERRUN, GUARD_OVERRUN, NO_ARGMAX }

    private final Device ref = ReferenceBackend.openDevice();

    @AfterEach
    void close() {
        ref.close();
    }

    /** The reference device, broken in one way. */
    static final class Mutant implements Device {
        final Device inner = ReferenceBackend.openDevice();
        final Mutation m;

        Mutant(Mutation m) { this.m = m; }

        @Override public String name() { return "mutant " + m; }
        @Override public String backend() { return "mutant"; }
        @Override public DeviceKind kind() { return DeviceKind.CPU; }
        @Override public long totalMemory() { return inner.totalMemory(); }
        @Override public long freeMemory() { return inner.freeMemory(); }
        @Override public boolean supports(Tensor node) { return !(m == Mutation.NO_ARGMAX && node.op() == Op.ARGMAX) && inner.supports(node); }
        @Override public DeviceBuffer allocate(long bytes, String label) { return inner.allocate(bytes, label); }
        @Override public DeviceBuffer wrapHost(MemorySegment host, String label) { return inner.wrapHost(host, label); }
        @Override public void close() { inner.close(); }

        @Override
        public Stream openStream() {
            Stream s = inner.openStream();
            return new Stream() {
                @Override public Device device() { return Mutant.this; }
                @Override public void synchronize() { s.synchronize(); }
                @Override public void close() { s.close(); }

                @Override
                public void compute(Graph graph) {
                    s.compute(graph);
                    if (m == Mutation.GUARD_OVERRUN)
                        for (Tensor n : graph.nodes())
                            if (n.op() == Op.SET_ROWS) {
                                Tensor dst = n.src(0);
                                dst.buffer().write(dst.offset() + dst.contiguousBytes(), MemorySegment.ofArray(new byte[] {0}));
                            }
                }

                @Override
                public void read(Tensor t, MemorySegment dst) {
                    s.read(t, dst);
                    long bytes = t.rowBytes() * t.nrows();
                    if (m == Mutation.READ_OVERRUN && dst.byteSize() > bytes) dst.set(ValueLayout.JAVA_BYTE, bytes, (byte) 0);
                    if (t.type() == GgmlType.F32 && (m == Mutation.PERTURB || m == Mutation.NAN)) {
                        float v = dst.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0);
                        dst.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 0, m == Mutation.NAN ? Float.NaN : v * 1.01f + 0.05f);
                    }
                }
            };
        }
    }

    private static ConformanceCase find(String op, String type) {
        return ConformanceCatalogue.cases().stream().filter(c -> c.op().equals(op) && c.type().equals(type)).findFirst().orElseThrow();
    }

    private void check(ConformanceCase c, Mutation m) {
        try (Mutant dut = new Mutant(m)) {
            BackendConformanceTest.check(c, ref, dut, 42, 1.0);
        }
    }

    @Test
    void anUnbrokenDevicePasses() {
        assertDoesNotThrow(() -> check(find("MUL_MAT", "Q4_0"), Mutation.NONE));
        assertDoesNotThrow(() -> check(find("SET_ROWS", "Q8_0"), Mutation.NONE));
    }

    @Test
    void wrongValuesFail() {
        AssertionError e = assertThrows(AssertionError.class, () -> check(find("MUL_MAT", "F32"), Mutation.PERTURB));
        assertTrue(e.getMessage().contains("NMSE"), e.getMessage());
        e = assertThrows(AssertionError.class, () -> check(find("RMS_NORM", "F32"), Mutation.NAN));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void overrunsFail() {
        AssertionError e = assertThrows(AssertionError.class, () -> check(find("SOFT_MAX", "F32"), Mutation.READ_OVERRUN));
        assertTrue(e.getMessage().contains("wrote past"), e.getMessage());
        e = assertThrows(AssertionError.class, () -> check(find("SET_ROWS", "F16"), Mutation.GUARD_OVERRUN));
        assertTrue(e.getMessage().contains("guard"), e.getMessage());
    }

    @Test
    void unsupportedOpsAndAbsentDevicesAreReportedSkips() {
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> check(find("ARGMAX", "F32"), Mutation.NO_ARGMAX));
        assertTrue(e.getMessage().contains("does not support"), e.getMessage());

        BackendConformanceTest absent = new BackendConformanceTest() {
            @Override protected Device device() { return null; }
            @Override protected String absentReason() { return "no such device here"; }
        };
        List<DynamicTest> tests = absent.conformance().toList();
        assertFalse(tests.isEmpty());
        for (DynamicTest t : List.of(tests.getFirst(), tests.getLast())) {
            TestAbortedException skip = assertThrows(TestAbortedException.class, () -> t.getExecutable().execute());
            assertTrue(skip.getMessage().contains("no such device here"), skip.getMessage());
        }
    }

    @Test
    void everyCodecTypeIsInTheCatalogue() {
        for (GgmlType t : ConformanceCatalogue.codecTypes()) {
            assertTrue(ConformanceCatalogue.cases().stream().anyMatch(c -> c.op().equals("MUL_MAT") && c.type().equals(t.name())), t.name());
            assertTrue(ConformanceCatalogue.cases().stream().anyMatch(c -> c.op().equals("GET_ROWS") && c.type().equals(t.name())), t.name());
        }
        for (Op op : Op.values()) {
            if (op == Op.NONE || op == Op.VIEW) continue;
            assertTrue(ConformanceCatalogue.cases().stream().anyMatch(c -> c.op().equals(op.name())), op + " has no case");
        }
    }
}
