package dev.quanta.kernels;

/**
 * Every ggml tensor type id, as upstream numbers them (ids are never reused). Retired ids (4, 5,
 * 31–33, 36–38) are known by id so that a file using one gets a clear message.
 *
 * <p>{@code blockSize} is the number of elements per block, {@code typeSize} the bytes per block.
 * A row of {@code n} elements (n a multiple of blockSize) takes {@code n / blockSize * typeSize} bytes.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q4_2_RETIRED(4, 0, 0),
    Q4_3_RETIRED(5, 0, 0),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    Q4_0_4_4_RETIRED(31, 0, 0),
    Q4_0_4_8_RETIRED(32, 0, 0),
    Q4_0_8_8_RETIRED(33, 0, 0),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    IQ4_NL_4_4_RETIRED(36, 0, 0),
    IQ4_NL_4_8_RETIRED(37, 0, 0),
    IQ4_NL_8_8_RETIRED(38, 0, 0),
    MXFP4(39, 32, 17);

    /** Number of type ids upstream defines (ids 0 .. COUNT-1). */
    public static final int COUNT = 40;
    /** Elements per K-quant super-block. */
    public static final int QK_K = 256;

    private static final GgmlType[] BY_ID = new GgmlType[COUNT];
    static {
        for (GgmlType t : values()) BY_ID[t.id] = t;
    }

    public final int id;
    public final int blockSize;
    public final int typeSize;

    GgmlType(int id, int blockSize, int typeSize) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    /** The type with this id, or null when the id is outside 0..COUNT-1. */
    public static GgmlType byId(int id) {
        return id >= 0 && id < COUNT ? BY_ID[id] : null;
    }

    /** Retired ids exist in old files only; nothing reads or writes them. */
    public boolean isRetired() {
        return blockSize == 0;
    }

    /** Upstream spelling, e.g. {@code Q4_K}; retired ids read as e.g. {@code Q4_2 (retired)}. */
    public String ggmlName() {
        String n = name();
        return isRetired() ? n.substring(0, n.length() - "_RETIRED".length()) + " (retired)" : n;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** Bytes taken by {@code n} elements; n must be a multiple of blockSize. */
    public long rowBytes(long n) {
        if (isRetired()) throw new IllegalArgumentException("type " + ggmlName() + " has no layout");
        if (n % blockSize != 0)
            throw new IllegalArgumentException(n + " elements is not a multiple of the " + name() + " block size " + blockSize);
        return n / blockSize * typeSize;
    }

    /** Parses an upstream name such as "q4_k" or "F16" (case-insensitive). */
    public static GgmlType parse(String name) {
        String u = name.trim().toUpperCase(java.util.Locale.ROOT);
        for (GgmlType t : values()) if (!t.isRetired() && t.name().equals(u)) return t;
        throw new IllegalArgumentException("unknown ggml type '" + name + "'");
    }
}
