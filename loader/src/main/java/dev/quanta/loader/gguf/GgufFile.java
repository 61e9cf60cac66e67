package dev.quanta.loader.gguf;

import dev.quanta.kernels.GgmlType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (v1, v2 or v3) mapped into memory. Everything read off the file is validated before
 * anything is allocated from it: counts and lengths are bounded by the file size, tensor data must
 * lie inside the file without overlapping. Tensor bytes are read in place through {@link #tensorData}.
 * Close it to unmap.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;
    static final int MAX_ARRAY_NESTING = 8;

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final int version;
    private final GgufMetadata metadata;
    private final List<GgufTensorInfo> tensors;
    private final Map<String, GgufTensorInfo> byName;
    private final int alignment;
    private final long dataStart;

    private GgufFile(Path path, Arena arena, MemorySegment data, int version, GgufMetadata metadata,
                     List<GgufTensorInfo> tensors, int alignment, long dataStart) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.version = version;
        this.metadata = metadata;
        this.tensors = Collections.unmodifiableList(tensors);
        Map<String, GgufTensorInfo> m = new HashMap<>();
        for (GgufTensorInfo t : tensors) m.put(t.name(), t);
        this.byName = m;
        this.alignment = alignment;
        this.dataStart = dataStart;
    }

    /** Maps and parses {@code path}; a {@link GgufException} names the file and what is wrong. */
    public static GgufFile open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                long size = ch.size();
                if (size == 0) throw new GgufException(path, "empty file, not a GGUF model");
                seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            } catch (NoSuchFileException e) {
                throw new GgufException(path, "no such file");
            } catch (IOException e) {
                throw new GgufException(path, "cannot read: " + e.getMessage());
            }
            return parse(path, arena, seg);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Parses a GGUF image held in memory (tests, fuzzing). The segment must stay alive. */
    public static GgufFile parse(Path name, MemorySegment seg) {
        return parse(name, null, seg);
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment seg) {
        Reader r = new Reader(path, seg);
        if (seg.byteSize() < 4) throw new GgufException(path, 0, "file of " + seg.byteSize() + " bytes is too short for a GGUF header");
        int magic = r.i32();
        if (magic != MAGIC) {
            throw new GgufException(path, 0, "not a GGUF file (magic " + String.format("%08x", Integer.reverseBytes(magic))
                    + ", expected 47475546 \"GGUF\")");
        }
        int version = r.i32();
        if (version != 1 && version != 2 && version != 3) {
            int swapped = Integer.reverseBytes(version);
            if (swapped >= 1 && swapped <= 3)
                throw new GgufException(path, 4, "big-endian GGUF (version " + swapped + " byte-swapped) is not supported; use a little-endian file");
            throw new GgufException(path, 4, "unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 1, 2, 3)");
        }
        r.v1 = version == 1;
        // smallest tensor entry: empty name, 1 dim, type, offset; smallest kv: empty key, type, 1-byte value
        long nTensors = r.count("tensor count", r.v1 ? 24 : 32);
        long nKv = r.count("metadata count", r.v1 ? 9 : 13);

        LinkedHashMap<String, GgufValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            long at = r.pos;
            String key = r.string("metadata key");
            if (kv.containsKey(key)) throw new GgufException(path, at, "duplicate metadata key '" + key + "'");
            GgufValueType t = r.valueType(key);
            kv.put(key, r.value(key, t, 0));
        }
        GgufMetadata meta = new GgufMetadata(path, kv);

        int alignment = DEFAULT_ALIGNMENT;
        if (kv.containsKey("general.alignment")) {
            GgufValue v = kv.get("general.alignment");
            if (v.type() != GgufValueType.UINT32)
                throw new GgufException(path, "key 'general.alignment' must be UINT32, found " + v.type());
            alignment = (Integer) v.value();
            if (alignment <= 0 || Integer.bitCount(alignment) != 1)
                throw new GgufException(path, "key 'general.alignment' = " + Integer.toUnsignedString(alignment) + " is not a power of two");
        }

        record Raw(String name, GgmlType type, long[] ne, long offset, long bytes, long at) {}
        List<Raw> raws = new ArrayList<>();
        HashMap<String, Boolean> seen = new HashMap<>();
        for (long i = 0; i < nTensors; i++) {
            long at = r.pos;
            String name = r.string("tensor name");
            if (seen.put(name, Boolean.TRUE) != null) throw new GgufException(path, at, "duplicate tensor name '" + name + "'");
            int nDims = r.i32();
            if (nDims < 1 || nDims > 4) throw new GgufException(path, r.pos - 4, "tensor '" + name + "' has " + Integer.toUnsignedString(nDims) + " dims (1..4 allowed)");
            long[] ne = new long[nDims];
            long n = 1;
            for (int d = 0; d < nDims; d++) {
                ne[d] = r.v1 ? Integer.toUnsignedLong(r.i32()) : r.i64();
                if (ne[d] < 0) throw new GgufException(path, r.pos - 8, "tensor '" + name + "' dim " + d + " is negative or above 2^63");
                try {
                    n = Math.multiplyExact(n, ne[d]);
                } catch (ArithmeticException e) {
                    throw new GgufException(path, r.pos, "tensor '" + name + "' element count overflows");
                }
            }
            int typeId = r.i32();
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) throw new GgufException(path, r.pos - 4, "tensor '" + name + "' has unknown ggml type id " + Integer.toUnsignedString(typeId));
            if (type.isRetired()) throw new GgufException(path, r.pos - 4, "tensor '" + name + "' uses retired type " + type.ggmlName() + " (id " + typeId + "); re-convert the model with a current llama.cpp");
            long off = r.i64();
            if (off < 0) throw new GgufException(path, r.pos - 8, "tensor '" + name + "' has a negative data offset");
            if (off % alignment != 0) throw new GgufException(path, r.pos - 8, "tensor '" + name + "' data offset " + off + " is not a multiple of the alignment " + alignment);
            if (n % type.blockSize != 0)
                throw new GgufException(path, at, "tensor '" + name + "' has " + n + " elements, not a whole number of " + type + " blocks of " + type.blockSize);
            // Rows whose length is not a multiple of the block size only exist in old files quantized as one flat
            // array of blocks (see GgufTensorInfo#flat); the byte size is the same either way.
            long bytes;
            try {
                bytes = Math.multiplyExact(n / type.blockSize, (long) type.typeSize);
            } catch (ArithmeticException e) {
                throw new GgufException(path, at, "tensor '" + name + "' byte size overflows");
            }
            raws.add(new Raw(name, type, ne, off, bytes, at));
        }
        long dataStart = align(r.pos, alignment);
        if (nTensors > 0 && dataStart > seg.byteSize())
            throw new GgufException(path, r.pos, "file ends before its data section (truncated)");

        List<GgufTensorInfo> infos = new ArrayList<>(raws.size());
        for (Raw w : raws) {
            long end = dataStart + w.offset + w.bytes;
            if (dataStart + w.offset < dataStart || end < 0 || end > seg.byteSize())
                throw new GgufException(path, w.at, "tensor '" + w.name + "' (" + w.bytes + " bytes at data offset " + w.offset
                        + ") extends past the end of the file (" + seg.byteSize() + " bytes): truncated file?");
            infos.add(new GgufTensorInfo(w.name, w.type, w.ne, w.offset, dataStart + w.offset, w.bytes));
        }
        List<GgufTensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(GgufTensorInfo::dataOffset));
        for (int i = 1; i < sorted.size(); i++) {
            GgufTensorInfo a = sorted.get(i - 1), b = sorted.get(i);
            if (a.byteSize() > 0 && b.byteSize() > 0 && a.dataOffset() + a.byteSize() > b.dataOffset())
                throw new GgufException(path, "tensor '" + a.name() + "' overlaps tensor '" + b.name() + "' in the data section");
        }
        return new GgufFile(path, arena, seg, version, meta, infos, alignment, dataStart);
    }

    static long align(long x, int a) {
        return (x + a - 1) / a * a;
    }

    public Path path() { return path; }
    public int version() { return version; }
    public GgufMetadata metadata() { return metadata; }
    public List<GgufTensorInfo> tensors() { return tensors; }
    public int alignment() { return alignment; }
    /** Absolute file offset of the data section. */
    public long dataStart() { return dataStart; }
    /** The whole mapped file. */
    public MemorySegment segment() { return data; }
    public long fileSize() { return data.byteSize(); }

    /** The entry named {@code name}, or null. */
    public GgufTensorInfo tensor(String name) {
        return byName.get(name);
    }

    /** The entry named {@code name}; a {@link GgufException} naming it when absent. */
    public GgufTensorInfo requireTensor(String name) {
        GgufTensorInfo t = byName.get(name);
        if (t == null) throw new GgufException(path, "missing tensor '" + name + "'");
        return t;
    }

    /** The bytes of a tensor, in place (zero copy). */
    public MemorySegment tensorData(GgufTensorInfo t) {
        return data.asSlice(t.fileOffset(), t.byteSize());
    }

    /**
     * The whole tensor decoded to floats, in element order (ne[0] fastest). Works for every type with a
     * codec, including old flat-quantized tensors whose rows are not block-aligned
     * ({@link GgufTensorInfo#rowsBlockAligned()} false): their blocks are decoded as one flat array.
     */
    public float[] dequantize(GgufTensorInfo t) {
        long n = t.nelements();
        if (n > Integer.MAX_VALUE - 8)
            throw new GgufException(path, "tensor '" + t.name() + "' has " + n + " elements, too many for one float array");
        float[] out = new float[(int) n];
        dev.quanta.kernels.quant.QuantCodec codec = dev.quanta.kernels.quant.QuantCodecs.of(t.type());
        MemorySegment src = tensorData(t);
        // decode in chunks of whole blocks so that any codec (row-oriented) sees a block multiple
        int chunk = t.type().blockSize * Math.max(1, (1 << 16) / t.type().blockSize);
        for (long i = 0; i < n; i += chunk) {
            int len = (int) Math.min(chunk, n - i);
            codec.dequantizeRow(src, i / t.type().blockSize * t.type().typeSize, out, (int) i, len);
        }
        return out;
    }

    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) arena.close();
    }

    /** Bounded little-endian cursor over the file. */
    private static final class Reader {
        final Path path;
        final MemorySegment seg;
        final long size;
        long pos;
        boolean v1;

        Reader(Path path, MemorySegment seg) {
            this.path = path;
            this.seg = seg;
            this.size = seg.byteSize();
        }

        void need(long n, String what) {
            if (n < 0 || pos + n > size || pos + n < 0)
                throw new GgufException(path, pos, "file ends inside " + what + " (needs " + n + " bytes, " + (size - pos) + " left): truncated file?");
        }

        int i32() {
            need(4, "a 32-bit value");
            int v = seg.get(ValueLayout.JAVA_INT_UNALIGNED, pos);
            pos += 4;
            return v;
        }

        long i64() {
            need(8, "a 64-bit value");
            long v = seg.get(ValueLayout.JAVA_LONG_UNALIGNED, pos);
            pos += 8;
            return v;
        }

        byte i8() {
            need(1, "a byte");
            return seg.get(ValueLayout.JAVA_BYTE, pos++);
        }

        short i16() {
            need(2, "a 16-bit value");
            short v = seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, pos);
            pos += 2;
            return v;
        }

        /** A count (u32 in v1, u64 after) bounded so that count * minBytes fits in the rest of the file. */
        long count(String what, int minBytes) {
            long at = pos;
            long n = v1 ? Integer.toUnsignedLong(i32()) : i64();
            if (n < 0 || (minBytes > 0 && n > (size - pos) / minBytes))
                throw new GgufException(path, at, what + " " + Long.toUnsignedString(n) + " cannot fit in the " + (size - pos) + " bytes left in the file");
            return n;
        }

        String string(String what) {
            long at = pos;
            long len = v1 ? Integer.toUnsignedLong(i32()) : i64();
            if (len < 0 || len > size - pos || len > Integer.MAX_VALUE - 16)
                throw new GgufException(path, at, what + ": string length " + Long.toUnsignedString(len) + " exceeds the " + (size - pos) + " bytes left in the file");
            byte[] b = new byte[(int) len];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, 0, (int) len);
            pos += len;
            // Bytes that are not valid UTF-8 (some vocabularies hold them) are kept, escaped: see GgufStrings.
            return GgufStrings.decode(b);
        }

        GgufValueType valueType(String key) {
            int id = i32();
            GgufValueType t = GgufValueType.byId(id);
            if (t == null) throw new GgufException(path, pos - 4, "metadata key '" + key + "' has unknown value type " + Integer.toUnsignedString(id));
            return t;
        }

        GgufValue value(String key, GgufValueType t, int depth) {
            return new GgufValue(t, switch (t) {
                case UINT8 -> i8() & 0xff;
                case INT8 -> (int) i8();
                case UINT16 -> i16() & 0xffff;
                case INT16 -> (int) i16();
                case UINT32, INT32 -> i32();
                case FLOAT32 -> Float.intBitsToFloat(i32());
                case BOOL -> {
                    byte b = i8();
                    if (b != 0 && b != 1) throw new GgufException(path, pos - 1, "metadata key '" + key + "' BOOL value is " + b + ", not 0 or 1");
                    yield b != 0;
                }
                case STRING -> string("value of '" + key + "'");
                case UINT64, INT64 -> i64();
                case FLOAT64 -> Double.longBitsToDouble(i64());
                case ARRAY -> array(key, depth);
            });
        }

        /** Smallest size of one value of type t in this file (strings and arrays have shorter headers in v1). */
        int minBytes(GgufValueType t) {
            if (!v1) return t.minBytes;
            return t == GgufValueType.STRING ? 4 : t == GgufValueType.ARRAY ? 8 : t.minBytes;
        }

        GgufValue.GgufArray array(String key, int depth) {
            if (depth >= MAX_ARRAY_NESTING) throw new GgufException(path, pos, "metadata key '" + key + "' nests arrays deeper than " + MAX_ARRAY_NESTING);
            GgufValueType et = valueType(key);
            long n = count("metadata key '" + key + "' array length", minBytes(et));
            if (n > Integer.MAX_VALUE - 16) throw new GgufException(path, pos, "metadata key '" + key + "' array of " + n + " elements is too long");
            int len = (int) n;
            switch (et) {
                case UINT8, INT8, UINT16, INT16, UINT32, INT32 -> {
                    int[] a = new int[len];
                    for (int i = 0; i < len; i++) a[i] = (Integer) value(key, et, depth).value();
                    return new GgufValue.GgufArray(et, a);
                }
                case UINT64, INT64 -> {
                    long[] a = new long[len];
                    for (int i = 0; i < len; i++) a[i] = i64();
                    return new GgufValue.GgufArray(et, a);
                }
                case FLOAT32 -> {
                    need(4L * len, "array of '" + key + "'");
                    float[] a = new float[len];
                    MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT_UNALIGNED, pos, a, 0, len);
                    pos += 4L * len;
                    return new GgufValue.GgufArray(et, a);
                }
                case FLOAT64 -> {
                    double[] a = new double[len];
                    for (int i = 0; i < len; i++) a[i] = Double.longBitsToDouble(i64());
                    return new GgufValue.GgufArray(et, a);
                }
                case BOOL -> {
                    boolean[] a = new boolean[len];
                    for (int i = 0; i < len; i++) a[i] = (Boolean) value(key, et, depth).value();
                    return new GgufValue.GgufArray(et, a);
                }
                case STRING -> {
                    String[] a = new String[len];
                    for (int i = 0; i < len; i++) a[i] = string("element " + i + " of '" + key + "'");
                    return new GgufValue.GgufArray(et, a);
                }
                case ARRAY -> {
                    GgufValue.GgufArray[] a = new GgufValue.GgufArray[len];
                    for (int i = 0; i < len; i++) a[i] = array(key, depth + 1);
                    return new GgufValue.GgufArray(et, a);
                }
                default -> throw new AssertionError(et);
            }
        }
    }
}
