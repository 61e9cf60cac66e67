package dev.quanta.loader.gguf;

import dev.quanta.kernels.GgmlType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes a GGUF v3 file: metadata in insertion order, then tensor infos, then tensor data, each
 * tensor at an offset that is a multiple of the alignment ({@code general.alignment} when set, else
 * 32) and padded with zeros to it, the layout llama.cpp's and gguf-py's writers produce.
 *
 * <p>Tensor bytes are streamed: each tensor has a {@link TensorSource} that pushes its bytes into a
 * {@link Sink} when the writer reaches it, so a model never has to be held in the heap. The file is
 * written to a temporary file in the target folder and renamed over the target only once it is
 * complete and synced: an interrupted or failed write never leaves a broken file at the target path.
 */
public final class GgufWriter {
    /** Where a tensor's bytes go; the writer checks that exactly the tensor's byte size arrives. */
    public interface Sink {
        void write(MemorySegment bytes) throws IOException;

        default void write(byte[] bytes, int off, int len) throws IOException {
            write(MemorySegment.ofArray(bytes).asSlice(off, len));
        }
    }

    /** Supplies one tensor's bytes, in order, when the writer asks for them. */
    @FunctionalInterface
    public interface TensorSource {
        void writeTo(Sink sink) throws IOException;

        /** The bytes of a segment (e.g. a tensor of a mapped {@link GgufFile}). */
        static TensorSource of(MemorySegment bytes) {
            return sink -> sink.write(bytes);
        }

        static TensorSource of(byte[] bytes) {
            return sink -> sink.write(bytes, 0, bytes.length);
        }
    }

    /** One tensor to write. {@code ne[0]} is the row length. */
    public record Tensor(String name, GgmlType type, long[] ne, TensorSource source) {
        public Tensor {
            Objects.requireNonNull(name);
            Objects.requireNonNull(type);
            Objects.requireNonNull(source);
            ne = ne.clone();
            if (ne.length < 1 || ne.length > 4) throw new IllegalArgumentException("tensor '" + name + "': " + ne.length + " dims (1..4 allowed)");
            if (type.isRetired()) throw new IllegalArgumentException("tensor '" + name + "': retired type " + type.ggmlName());
            for (long d : ne) if (d < 0) throw new IllegalArgumentException("tensor '" + name + "': negative dimension");
            long n = 1;
            for (long d : ne) n = Math.multiplyExact(n, d);
            if (n % type.blockSize != 0)
                throw new IllegalArgumentException("tensor '" + name + "': " + n + " elements is not a whole number of " + type + " blocks");
        }

        public long nelements() {
            long n = 1;
            for (long d : ne) n = Math.multiplyExact(n, d);
            return n;
        }

        public long byteSize() {
            return nelements() / type.blockSize * type.typeSize;
        }
    }

    private final LinkedHashMap<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();
    private boolean padEmptyDataSection = true;

    /**
     * Whether a file without tensors still ends with padding to the alignment (llama.cpp's writer
     * pads, gguf-py's does not; readers accept both). Default true. {@link #copyOf} keeps the source's choice.
     */
    public GgufWriter padEmptyDataSection(boolean pad) {
        this.padEmptyDataSection = pad;
        return this;
    }

    private boolean padHeader() {
        return !tensors.isEmpty() || padEmptyDataSection;
    }

    /** A writer holding the metadata and tensors of {@code f} (data read in place from its mapping). */
    public static GgufWriter copyOf(GgufFile f) {
        GgufWriter w = new GgufWriter();
        w.metadata.putAll(f.metadata().asMap());
        for (GgufTensorInfo t : f.tensors()) w.addTensor(t.name(), t.type(), t.ne(), TensorSource.of(f.tensorData(t)));
        if (f.tensors().isEmpty()) w.padEmptyDataSection(f.fileSize() >= f.dataStart());
        return w;
    }

    /** Sets a key; an existing key is removed first, so the key moves to the end (as llama.cpp's gguf_set_val). */
    public GgufWriter set(String key, GgufValue value) {
        Objects.requireNonNull(value);
        metadata.remove(key);
        metadata.put(key, value);
        return this;
    }

    /** Replaces a key in place (or appends it when absent). */
    public GgufWriter replace(String key, GgufValue value) {
        metadata.put(key, Objects.requireNonNull(value));
        return this;
    }

    public GgufWriter remove(String key) {
        metadata.remove(key);
        return this;
    }

    /** Appends every key of {@code kv} in its order (each with {@link #set} semantics). */
    public GgufWriter setAll(Map<String, GgufValue> kv) {
        kv.forEach(this::set);
        return this;
    }

    public Map<String, GgufValue> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    public List<Tensor> tensors() {
        return Collections.unmodifiableList(tensors);
    }

    public GgufWriter addTensor(String name, GgmlType type, long[] ne, TensorSource source) {
        return addTensor(new Tensor(name, type, ne, source));
    }

    public GgufWriter addTensor(Tensor t) {
        if (!tensorNames.add(t.name())) throw new IllegalArgumentException("duplicate tensor name '" + t.name() + "'");
        tensors.add(t);
        return this;
    }

    /** The data alignment: {@code general.alignment} when set, else 32. */
    public int alignment() {
        GgufValue v = metadata.get("general.alignment");
        if (v == null) return GgufFile.DEFAULT_ALIGNMENT;
        if (v.type() != GgufValueType.UINT32) throw new IllegalArgumentException("general.alignment must be UINT32, is " + v.type());
        int a = (Integer) v.value();
        if (a <= 0 || Integer.bitCount(a) != 1) throw new IllegalArgumentException("general.alignment " + Integer.toUnsignedString(a) + " is not a power of two");
        return a;
    }

    /** Total size of the file {@link #write} will produce. */
    public long fileSize() {
        int a = alignment();
        long n = padHeader() ? GgufFile.align(headerSize(), a) : headerSize();
        for (Tensor t : tensors) n += GgufFile.align(t.byteSize(), a);
        return n;
    }

    private long headerSize() {
        CountingOut c = new CountingOut();
        try {
            writeHeader(c, alignment());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return c.n;
    }

    /**
     * Writes the file to {@code target} through a temporary file in the same folder, renamed into
     * place when complete. On any failure the temporary file is deleted and the target is untouched.
     */
    public void write(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        int align = alignment();
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".part");
        try { // temp files are created owner-only; a model file is an ordinary readable file
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // not a POSIX file system: keep the default
        }
        boolean ok = false;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ChannelOut out = new ChannelOut(ch);
            writeHeader(out, align);
            if (padHeader()) out.pad(align);
            for (Tensor t : tensors) {
                long want = t.byteSize();
                long before = out.position();
                Sink sink = bytes -> {
                    if (out.position() - before + bytes.byteSize() > want)
                        throw new GgufException(target, "tensor '" + t.name() + "': its source supplied more than its " + want + " bytes");
                    out.write(bytes);
                };
                t.source().writeTo(sink);
                long got = out.position() - before;
                if (got != want) throw new GgufException(target, "tensor '" + t.name() + "': its source supplied " + got + " bytes, expected " + want);
                out.pad(align);
            }
            out.flush();
            ch.force(true);
            ok = true;
        } finally {
            if (!ok) Files.deleteIfExists(tmp);
        }
        try {
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    private void writeHeader(Out out, int align) throws IOException {
        out.i32(GgufFile.MAGIC);
        out.i32(3);
        out.i64(tensors.size());
        out.i64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            out.string(e.getKey());
            out.i32(e.getValue().type().id);
            value(out, e.getKey(), e.getValue().type(), e.getValue().value());
        }
        long offset = 0;
        for (Tensor t : tensors) {
            out.string(t.name());
            out.i32(t.ne().length);
            for (long d : t.ne()) out.i64(d);
            out.i32(t.type().id);
            out.i64(offset);
            offset += GgufFile.align(t.byteSize(), align);
        }
    }

    private static void value(Out out, String key, GgufValueType t, Object v) throws IOException {
        try {
            switch (t) {
                case UINT8, INT8 -> out.i8(((Number) v).intValue());
                case UINT16, INT16 -> out.i16(((Number) v).intValue());
                case UINT32, INT32 -> out.i32(((Number) v).intValue());
                case FLOAT32 -> out.i32(Float.floatToRawIntBits((Float) v));
                case BOOL -> out.i8((Boolean) v ? 1 : 0);
                case STRING -> out.string((String) v);
                case UINT64, INT64 -> out.i64(((Number) v).longValue());
                case FLOAT64 -> out.i64(Double.doubleToRawLongBits((Double) v));
                case ARRAY -> array(out, key, (GgufValue.GgufArray) v);
            }
        } catch (ClassCastException e) {
            throw new IllegalArgumentException("metadata key '" + key + "': a " + t + " value cannot be a " + v.getClass().getSimpleName(), e);
        }
    }

    private static void array(Out out, String key, GgufValue.GgufArray a) throws IOException {
        GgufValueType et = a.elementType();
        out.i32(et.id);
        out.i64(a.size());
        switch (a.data()) {
            case int[] x -> { for (int v : x) value(out, key, et, v); }
            case long[] x -> { for (long v : x) out.i64(v); }
            case float[] x -> { for (float v : x) out.i32(Float.floatToRawIntBits(v)); }
            case double[] x -> { for (double v : x) out.i64(Double.doubleToRawLongBits(v)); }
            case boolean[] x -> { for (boolean v : x) out.i8(v ? 1 : 0); }
            case String[] x -> { for (String v : x) out.string(v); }
            case GgufValue.GgufArray[] x -> { for (GgufValue.GgufArray v : x) array(out, key, v); }
            default -> throw new IllegalArgumentException("metadata key '" + key + "': unsupported array data " + a.data().getClass());
        }
    }

    /** Little-endian primitive output. */
    private abstract static class Out {
        abstract void put(long v, int bytes) throws IOException;

        abstract void putBytes(byte[] b) throws IOException;

        void i8(int v) throws IOException { put(v, 1); }
        void i16(int v) throws IOException { put(v, 2); }
        void i32(int v) throws IOException { put(v, 4); }
        void i64(long v) throws IOException { put(v, 8); }

        void string(String s) throws IOException {
            byte[] b = GgufStrings.encode(s);
            i64(b.length);
            putBytes(b);
        }
    }

    private static final class CountingOut extends Out {
        long n;
        @Override void put(long v, int bytes) { n += bytes; }
        @Override void putBytes(byte[] b) { n += b.length; }
    }

    /** Buffered writes to a channel; large segments go straight through. */
    private static final class ChannelOut extends Out {
        private static final int CAP = 1 << 22;
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(CAP).order(ByteOrder.LITTLE_ENDIAN);
        private final MemorySegment whole = MemorySegment.ofBuffer(buf); // the whole buffer, independent of its position
        private long flushed;

        ChannelOut(FileChannel ch) {
            this.ch = ch;
        }

        long position() {
            return flushed + buf.position();
        }

        @Override
        void put(long v, int bytes) throws IOException {
            if (buf.remaining() < 8) flush();
            switch (bytes) {
                case 1 -> buf.put((byte) v);
                case 2 -> buf.putShort((short) v);
                case 4 -> buf.putInt((int) v);
                default -> buf.putLong(v);
            }
        }

        @Override
        void putBytes(byte[] b) throws IOException {
            write(MemorySegment.ofArray(b));
        }

        void write(MemorySegment src) throws IOException {
            long n = src.byteSize();
            if (n <= buf.remaining()) {
                MemorySegment.copy(src, 0, whole, buf.position(), n);
                buf.position(buf.position() + (int) n);
                return;
            }
            flush();
            if (n < CAP) {
                write(src);
                return;
            }
            for (long off = 0; off < n; off += 1 << 30) {
                ByteBuffer bb = src.asSlice(off, Math.min(1L << 30, n - off)).asByteBuffer();
                while (bb.hasRemaining()) flushed += ch.write(bb);
            }
        }

        void pad(int align) throws IOException {
            long p = position();
            long padded = GgufFile.align(p, align);
            for (long i = p; i < padded; i++) put(0, 1);
        }

        void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) flushed += ch.write(buf);
            buf.clear();
        }
    }

}
