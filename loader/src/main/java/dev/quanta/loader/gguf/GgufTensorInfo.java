package dev.quanta.loader.gguf;

import dev.quanta.kernels.GgmlType;

/**
 * A tensor entry of a GGUF file. {@code ne[0]} is the innermost dimension (row length);
 * {@code dataOffset} is relative to the start of the data section, {@code fileOffset} absolute.
 *
 * <p>Flat-quantized tensors: a few old files (e.g. the GGUF v2 tinyllamas stories260K Q8_0, whose
 * {@code ffn_down} has ne0 = 172) hold a quantized tensor whose row length is not a multiple of the
 * block size; it was quantized as one flat array of {@code nelements / blockSize} blocks, so a row
 * does not start on a block boundary. {@link #rowsBlockAligned()} is false for those: a loader must
 * dequantize the whole tensor flat ({@link GgufFile#dequantize}) and may then requantize or use F32.
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
        long r = 1;
        for (int i = 1; i < ne.length; i++) r *= ne[i];
        return r;
    }

    /** True when every row (ne[0] elements) is a whole number of blocks, so rows can be addressed one by one. */
    public boolean rowsBlockAligned() {
        return ne[0] % type.blockSize == 0;
    }

    /** Bytes of one row; a {@link GgufException} naming the tensor when rows are not block-aligned. */
    public long rowBytes() {
        if (!rowsBlockAligned())
            throw new GgufException("tensor '" + name + "' (" + type + ", ne0 = " + ne[0] + ") was quantized as one flat array of "
                    + type.blockSize + "-element blocks: its rows are not block-aligned; dequantize it whole", null);
        return ne[0] / type.blockSize * type.typeSize;
    }

    public String shapeString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < ne.length; i++) sb.append(i == 0 ? "" : ", ").append(ne[i]);
        return sb.append(']').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && t.name.equals(name) && t.type == type && java.util.Arrays.equals(t.ne, ne)
                && t.dataOffset == dataOffset && t.fileOffset == fileOffset && t.byteSize == byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + java.util.Arrays.hashCode(ne);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + shapeString() + " @" + dataOffset + " (" + byteSize + " bytes)";
    }
}
