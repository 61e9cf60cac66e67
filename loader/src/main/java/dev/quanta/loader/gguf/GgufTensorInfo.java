package dev.quanta.loader.gguf;

import dev.quanta.kernels.GgmlType;

/**
 * A tensor entry of a GGUF file. {@code ne[0]} is the innermost dimension (row length);
 * {@code dataOffset} is relative to the start of the data section, {@code fileOffset} absolute.
 */
public record GgufTensorInfo(String name, GgmlType type, long[] ne, long dataOffset, long fileOffset, long byteSize) {
    public long nelements() {
        long n = 1;
        for (long d : ne) n *= d;
        return n;
    }

    public int nDims() {
        return ne.length;
    }

    /** Number of rows (all dims but the first), for a GGUF matrix ne=[k, n] that is n. */
    public long rows() {
        return nelements() / ne[0];
    }

    public String shapeString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < ne.length; i++) sb.append(i == 0 ? "" : ", ").append(ne[i]);
        return sb.append(']').toString();
    }
}
