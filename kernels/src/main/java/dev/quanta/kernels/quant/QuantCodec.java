package dev.quanta.kernels.quant;

import dev.quanta.kernels.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Scalar reference codec of one ggml type: the oracle every backend is compared with.
 *
 * <p>Rows are addressed in a {@link MemorySegment} (heap, native or a memory-mapped file) by byte
 * offset, so weights are read in place without copying. {@code n} is always a multiple of
 * {@link GgmlType#blockSize}. All multi-byte fields are little-endian.
 */
public interface QuantCodec {
    GgmlType type();

    /** Decodes {@code n} elements stored at {@code src[srcOffset..]} into {@code dst[dstOff..dstOff+n)}. */
    void dequantizeRow(MemorySegment src, long srcOffset, float[] dst, int dstOff, int n);

    /** True when {@link #quantizeRowRef} is implemented for this type. */
    boolean canQuantize();

    /**
     * Encodes {@code n} floats the way ggml's {@code quantize_row_*_ref} does (no importance
     * matrix): the same floats give the same bytes as llama.cpp.
     *
     * @throws UnsupportedOperationException when {@link #canQuantize()} is false
     */
    void quantizeRowRef(float[] src, int srcOff, MemorySegment dst, long dstOffset, int n);
}
