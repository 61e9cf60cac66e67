package dev.quanta.kernels.ref;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.quant.QuantCodec;
import dev.quanta.kernels.quant.QuantCodecs;
import java.lang.foreign.MemorySegment;

/**
 * A matrix of {@code count} rows of {@code rowLength} elements stored in any {@link GgmlType} that
 * has a codec: row {@code i} starts at byte {@code offset + i * rowStride} of {@code data}. This is
 * how {@link ReferenceOps} reads weights, embedding tables and the KV cache in place (quantized or
 * not), and how it writes rows of SET_ROWS and CPY.
 */
public record Rows(GgmlType type, MemorySegment data, long offset, long rowStride, int rowLength, int count) {

    public Rows {
        if (rowLength < 0 || count < 0) throw new IllegalArgumentException("negative shape " + rowLength + " x " + count);
        if (rowLength % type.blockSize != 0)
            throw new IllegalArgumentException("row length " + rowLength + " is not a multiple of the " + type + " block size " + type.blockSize);
        long rowBytes = type.rowBytes(rowLength);
        if (count > 0 && (offset < 0 || offset + (count - 1) * rowStride + rowBytes > data.byteSize()))
            throw new IllegalArgumentException(count + " rows of " + rowBytes + " bytes (stride " + rowStride + ", offset " + offset
                    + ") do not fit in " + data.byteSize() + " bytes");
    }

    /** Rows stored back to back from byte 0 of {@code data}. */
    public static Rows contiguous(GgmlType type, MemorySegment data, int rowLength, int count) {
        return new Rows(type, data, 0, type.rowBytes(rowLength), rowLength, count);
    }

    private QuantCodec codec() {
        return QuantCodecs.of(type);
    }

    /** Decodes row {@code i} into {@code dst[dstOff .. dstOff + rowLength)}. */
    public void read(int i, float[] dst, int dstOff) {
        checkRow(i);
        codec().dequantizeRow(data, offset + i * rowStride, dst, dstOff, rowLength);
    }

    /** Row {@code i} as a new float array. */
    public float[] row(int i) {
        float[] r = new float[rowLength];
        read(i, r, 0);
        return r;
    }

    /** All rows as one float array of {@code count * rowLength}. */
    public float[] toFloats() {
        float[] all = new float[Math.multiplyExact(count, rowLength)];
        for (int i = 0; i < count; i++) read(i, all, i * rowLength);
        return all;
    }

    /** Encodes {@code src[srcOff .. srcOff + rowLength)} into row {@code i} with the type's reference quantizer. */
    public void write(int i, float[] src, int srcOff) {
        checkRow(i);
        QuantCodec c = codec();
        if (!c.canQuantize()) throw new UnsupportedOperationException("cannot encode rows of type " + type);
        c.quantizeRowRef(src, srcOff, data, offset + i * rowStride, rowLength);
    }

    private void checkRow(int i) {
        if (i < 0 || i >= count) throw new IndexOutOfBoundsException("row " + i + " out of range [0, " + count + ")");
    }
}
