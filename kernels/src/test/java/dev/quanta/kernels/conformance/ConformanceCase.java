package dev.quanta.kernels.conformance;

import dev.quanta.kernels.graph.Tensor;
import java.util.List;
import java.util.function.Function;

/**
 * One case of the conformance catalogue: a small graph built from seeded data, run on the reference
 * device and on the device under test, whose checked tensors must agree within {@code maxNmse}
 * (normalized mean squared error, {@code sum((dut - ref)^2) / sum(ref^2)}); I32 results must be equal.
 *
 * @param op      the op under test (the column "op" of the support table); "LAYER" cases name a mini-graph
 * @param type    the type that varies (weights, table, cache or destination), e.g. "Q4_0"; "F32" otherwise
 * @param shape   what is awkward about the shapes, for the test name
 * @param maxNmse the error budget
 * @param build   builds the graph in the context's {@link CaseContext#graph()} and returns the tensors to
 *                compare: marked outputs, or storage tensors written by the graph
 */
public record ConformanceCase(String op, String type, String shape, double maxNmse,
                              Function<CaseContext, List<Tensor>> build) {
    public String name() {
        return op + " " + type + " " + shape;
    }
}
