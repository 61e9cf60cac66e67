package dev.quanta.loader.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One metadata value with its GGUF type, so that a file can be written back byte for byte.
 *
 * <p>Scalars: UINT8/INT8/UINT16/INT16/UINT32/INT32 are held as {@link Integer} (unsigned widened),
 * UINT64/INT64 as {@link Long}, FLOAT32 as {@link Float}, FLOAT64 as {@link Double}, BOOL as
 * {@link Boolean}, STRING as {@link String}; ARRAY as a {@link GgufArray}.
 */
public record GgufValue(GgufValueType type, Object value) {
    public GgufValue {
        Objects.requireNonNull(type);
        Objects.requireNonNull(value);
    }

    public static GgufValue ofString(String s) { return new GgufValue(GgufValueType.STRING, s); }
    public static GgufValue ofU32(int v) { return new GgufValue(GgufValueType.UINT32, v); }
    public static GgufValue ofI32(int v) { return new GgufValue(GgufValueType.INT32, v); }
    public static GgufValue ofU64(long v) { return new GgufValue(GgufValueType.UINT64, v); }
    public static GgufValue ofF32(float v) { return new GgufValue(GgufValueType.FLOAT32, v); }
    public static GgufValue ofBool(boolean v) { return new GgufValue(GgufValueType.BOOL, v); }
    public static GgufValue ofArray(GgufArray a) { return new GgufValue(GgufValueType.ARRAY, a); }

    /** A short human-readable rendering; long arrays are summarized. */
    public String display(int maxItems) {
        if (value instanceof GgufArray a) return a.display(maxItems);
        if (value instanceof String s) return s.length() > 200 ? '"' + s.substring(0, 200).replace("\n", "\\n") + "…\" (" + s.length() + " chars)" : '"' + s.replace("\n", "\\n") + '"';
        return String.valueOf(plain(type, value));
    }

    /**
     * The value as a plain Java object for display or JSON: unsigned types come back non-negative
     * (UINT32 as {@link Long}, UINT64 above 2^63 as {@link java.math.BigInteger}); strings and arrays as held.
     */
    public Object plainValue() {
        return plain(type, value);
    }

    static Object plain(GgufValueType t, Object v) {
        if (t == GgufValueType.UINT32 && v instanceof Integer i) return Integer.toUnsignedLong(i);
        if (t == GgufValueType.UINT64 && v instanceof Long l && l < 0) return new java.math.BigInteger(Long.toUnsignedString(l));
        return v;
    }

    /**
     * An array value. {@code data} is a primitive array for numeric element types (int[] for the
     * 8/16/32-bit integers, long[] for 64-bit, float[], double[], boolean[]), String[] for strings,
     * GgufArray[] for arrays of arrays.
     */
    public record GgufArray(GgufValueType elementType, Object data) {
        public int size() {
            return java.lang.reflect.Array.getLength(data);
        }

        public String display(int maxItems) {
            int n = size();
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < Math.min(n, maxItems); i++) {
                Object o = java.lang.reflect.Array.get(data, i);
                sb.append(i == 0 ? "" : ", ");
                sb.append(o instanceof String s ? '"' + s.replace("\n", "\\n") + '"' : o instanceof GgufArray a ? a.display(maxItems) : String.valueOf(plain(elementType, o)));
            }
            if (n > maxItems) sb.append(", … ").append(n - maxItems).append(" more");
            return sb.append("] (").append(elementType).append(" × ").append(n).append(')').toString();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof GgufArray a && a.elementType == elementType && Arrays.deepEquals(new Object[] {data}, new Object[] {a.data});
        }

        @Override
        public int hashCode() {
            return Arrays.deepHashCode(new Object[] {data}) * 31 + elementType.hashCode();
        }
    }
}
