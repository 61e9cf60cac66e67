package dev.quanta.kernels.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.kernels.quant.QuantCodec;
import dev.quanta.kernels.quant.QuantCodecs;
import dev.quanta.kernels.ref.ReferenceBackend;
import dev.quanta.kernels.testing.TestData;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.TestAbortedException;

/**
 * The conformance suite every backend runs: one dynamic test per {@link ConformanceCatalogue} case,
 * comparing the device under test with the reference backend (NMSE within the case's budget, no
 * NaN/Inf where the reference is finite, I32 results equal, guard bytes around storage tensors
 * intact, reads that do not write past the tensor). A backend module subclasses this once:
 *
 * <pre>{@code
 * class CpuConformanceTest extends BackendConformanceTest {
 *     protected Device device() { return CpuBackend.openDevice(); }
 * }
 * }</pre>
 *
 * A device that is absent ({@link #device()} returns null) makes every case a reported skip with
 * {@link #absentReason()}; a node the device does not support ({@link Device#supports}) makes its
 * case a reported skip. The last dynamic test prints the op × type table and writes it to
 * {@code target/conformance/<backend>.md}.
 */
public abstract class BackendConformanceTest {

    /** The device under test, or null when it is not present on this machine. Called once per run. */
    protected abstract Device device();

    /** Why {@link #device()} returned null, for the skip messages. */
    protected String absentReason() {
        return "device not present on this machine";
    }

    /** Extra slack on every budget for this backend (1 = the catalogue's budgets). */
    protected double budgetFactor() {
        return 1.0;
    }

    @TestFactory
    java.util.stream.Stream<DynamicTest> conformance() {
        long seed = TestData.seed(getClass().getSimpleName(), 20240611L);
        Device dut = device();
        Device ref = ReferenceBackend.openDevice();
        String backend = dut != null ? dut.backend() : getClass().getSimpleName().isEmpty() ? "absent" : getClass().getSimpleName();
        ConformanceReport report = new ConformanceReport(backend);
        List<DynamicTest> tests = new ArrayList<>();
        for (ConformanceCase c : ConformanceCatalogue.cases()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> runRecorded(c, ref, dut, seed, report)));
        }
        tests.add(DynamicTest.dynamicTest("support table", () -> {
            ref.close();
            String md = (dut == null ? "device absent: " + absentReason() + "\n\n" : "") + report.markdown();
            System.out.println(md);
            Path out = Path.of("target", "conformance", backend + ".md");
            try {
                Files.createDirectories(out.getParent());
                Files.writeString(out, md);
            } catch (IOException e) {
                System.out.println("could not write " + out + ": " + e.getMessage());
            }
            if (dut == null) Assumptions.abort("skipped: " + absentReason());
        }));
        return tests.stream();
    }

    private void runRecorded(ConformanceCase c, Device ref, Device dut, long seed, ConformanceReport report) {
        try {
            if (dut == null) Assumptions.abort("skipped: " + absentReason());
            check(c, ref, dut, seed * 1_000_003L + c.name().hashCode(), budgetFactor());
            report.record(c, ConformanceReport.Outcome.PASS, null);
        } catch (TestAbortedException e) {
            report.record(c, ConformanceReport.Outcome.SKIP, dut == null ? null : e.getMessage());
            throw e;
        } catch (AssertionError | RuntimeException e) {
            report.record(c, ConformanceReport.Outcome.FAIL, e.getMessage());
            throw e;
        }
    }

    /**
     * Runs one case on the reference and on {@code dut} with the same data and fails (AssertionError)
     * when they disagree, or aborts (a reported skip) when {@code dut} does not support a node.
     */
    static void check(ConformanceCase c, Device ref, Device dut, long caseSeed, double budgetFactor) {
        Run want = Run.on(ref, c, caseSeed, false);
        if (!want.problems().isEmpty()) fail("the reference itself broke its guards: " + want.problems());
        Run got = Run.on(dut, c, caseSeed, true);
        if (!got.problems().isEmpty()) fail(String.join("; ", got.problems()));
        double budget = c.maxNmse() * budgetFactor;
        for (int i = 0; i < want.values().size(); i++) {
            Object w = want.values().get(i), g = got.values().get(i);
            String what = "output " + i + " '" + want.names().get(i) + "'";
            if (w instanceof int[] wi) {
                int[] gi = (int[]) g;
                for (int j = 0; j < wi.length; j++)
                    if (wi[j] != gi[j]) fail(what + " element " + j + ": got " + gi[j] + ", want " + wi[j]);
            } else {
                compareFloats(what, (float[]) w, (float[]) g, budget);
            }
        }
    }

    /** Normalized mean squared error of {@code got} against {@code want}; non-finite values where want is finite fail. */
    static void compareFloats(String what, float[] want, float[] got, double budget) {
        double err = 0, norm = 0, worst = -1;
        int worstAt = -1;
        for (int j = 0; j < want.length; j++) {
            if (!Float.isFinite(want[j]) || !Float.isFinite(got[j])) {
                if (Float.compare(want[j], got[j]) != 0)
                    fail(what + " element " + j + " is " + got[j] + ", want " + want[j]);
                continue;
            }
            double d = (double) got[j] - want[j];
            err += d * d;
            norm += (double) want[j] * want[j];
            if (Math.abs(d) > worst) {
                worst = Math.abs(d);
                worstAt = j;
            }
        }
        double nmse = norm == 0 ? err : err / norm;
        if (!(nmse <= budget))
            fail(String.format("%s: NMSE %.3g over budget %.1g (largest difference at element %d: got %s, want %s)",
                    what, nmse, budget, worstAt, got[worstAt], want[worstAt]));
    }

    /** The values of a case's checked tensors on one device, and any guard or overrun it caused. */
    record Run(List<String> names, List<Object> values, List<String> problems) {
        static final int READ_TAIL = 64;

        static Run on(Device dev, ConformanceCase c, long seed, boolean checkSupport) {
            CaseContext ctx = new CaseContext(dev, seed);
            try {
                List<Tensor> outs = c.build().apply(ctx);
                if (checkSupport)
                    for (Tensor n : ctx.graph().nodes())
                        if (!dev.supports(n)) Assumptions.abort("skipped: " + dev.name() + " does not support " + n);
                List<String> names = new ArrayList<>();
                List<Object> values = new ArrayList<>();
                List<String> problems = new ArrayList<>();
                try (Stream s = dev.openStream()) {
                    s.compute(ctx.graph());
                    s.synchronize();
                    for (Tensor t : outs) {
                        names.add(t.name());
                        values.add(read(s, t, problems));
                    }
                }
                for (String g : ctx.guardViolations()) problems.add("guard bytes of buffer " + g + " were overwritten");
                return new Run(names, values, problems);
            } finally {
                ctx.close();
            }
        }

        /** Reads t into a buffer {@link #READ_TAIL} bytes longer than it, whose tail must stay as it was. */
        private static Object read(Stream s, Tensor t, List<String> problems) {
            long rowBytes = t.rowBytes(), bytes = rowBytes * t.nrows();
            MemorySegment dst = Arena.ofAuto().allocate(bytes + READ_TAIL, 64);
            dst.fill(CaseContext.PATTERN);
            s.read(t, dst);
            for (long i = bytes; i < bytes + READ_TAIL; i++)
                if (dst.get(ValueLayout.JAVA_BYTE, i) != CaseContext.PATTERN) {
                    problems.add("reading '" + t.name() + "' wrote past its " + bytes + " bytes (byte " + i + ")");
                    break;
                }
            int n = (int) t.ne(0), rows = (int) t.nrows();
            if (t.type() == GgmlType.I32) {
                int[] v = new int[n * rows];
                MemorySegment.copy(dst, ValueLayout.JAVA_INT_UNALIGNED, 0, v, 0, v.length);
                return v;
            }
            QuantCodec codec = QuantCodecs.of(t.type());
            float[] v = new float[n * rows];
            for (int r = 0; r < rows; r++) codec.dequantizeRow(dst, r * rowBytes, v, r * n, n);
            return v;
        }
    }
}
