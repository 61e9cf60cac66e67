package dev.quanta.kernels.backend;

import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * An in-order queue on a device. {@link #compute} may return before the work is done; reads
 * synchronize. Intermediate tensors are placed by the stream in memory it reuses between graphs.
 */
public interface Stream extends AutoCloseable {
    Device device();

    /** Runs every node of {@code graph} in order, after copying its inputs' host data to the device. */
    void compute(Graph graph);

    /** Waits until all queued work is done. */
    void synchronize();

    /**
     * Copies the value of an output node (marked with {@link Tensor#markOutput()}) of the last
     * computed graph, or of a STORAGE tensor, into {@code dst}, as contiguous rows. {@code dst}
     * may be larger than the tensor: only its first {@code rowBytes * nrows} bytes are written (the
     * conformance suite checks that the rest stays untouched).
     */
    void read(Tensor tensor, MemorySegment dst);

    /** Convenience: reads an F32 tensor into a float array of at least nelements. */
    default void readFloats(Tensor tensor, float[] dst) {
        read(tensor, MemorySegment.ofArray(dst).asSlice(0, tensor.nelements() * 4));
    }

    /** Convenience: reads an I32 tensor into an int array. */
    default void readInts(Tensor tensor, int[] dst) {
        read(tensor, MemorySegment.ofArray(dst).asSlice(0, tensor.nelements() * 4));
    }

    @Override
    void close();
}
