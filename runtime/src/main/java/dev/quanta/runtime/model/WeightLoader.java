package dev.quanta.runtime.model;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.DeviceBuffer;
import dev.quanta.kernels.backend.DeviceKind;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.kernels.quant.QuantCodec;
import dev.quanta.kernels.quant.QuantCodecs;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufTensorInfo;
import dev.quanta.runtime.QuantaException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleConsumer;
import java.util.function.Predicate;

/**
 * Places the tensors of a GGUF file on a device and hands them out by name, checking shape and type.
 *
 * <p>On a CPU device the file's data section is wrapped in place ({@link Device#wrapHost}: zero copy,
 * the pages of the mapping are the weights). Other devices get one buffer that the data section is
 * uploaded into in chunks, reporting progress. A tensor that the device cannot use as stored is
 * converted on the host at load: legacy files hold quantized matrices whose row length is not a
 * multiple of the block size (quantized as one flat array of blocks, e.g. stories260K's Q8_0
 * {@code ffn_down} with ne0 = 172); those are dequantized to F32.
 *
 * <p>For a model split across devices (partial GPU offload), a loader can hold only some tensors
 * (those its predicate selects: e.g. the first N layers) and hand out the others from a second
 * loader on another device; it then uploads only its own tensors, packed into one buffer.
 */
public final class WeightLoader implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WeightLoader.class.getName());
    private static final long UPLOAD_CHUNK = 32L << 20;

    private final GgufFile file;
    private final Device device;
    private final DeviceBuffer data;
    private final List<DeviceBuffer> owned = new ArrayList<>();
    private static final long PACK_ALIGN = 256;

    private final Predicate<String> here;
    private final WeightLoader elsewhere;
    /** Offset in {@link #data} of each tensor a selective loader packed (null: the whole data section, at the file's offsets). */
    private final Map<String, Long> packed;
    private final Map<String, Tensor> placed = new HashMap<>();
    private long convertedBytes;

    /**
     * @param progress receives the fraction uploaded (0..1) while the data section is copied to a
     *                 non-CPU device; may be null
     */
    public WeightLoader(GgufFile file, Device device, DoubleConsumer progress) {
        this(file, device, progress, null, null);
    }

    /**
     * A loader that places on {@code device} only the tensors {@code here} selects (uploading just
     * those, packed) and hands out every other tensor from {@code elsewhere}.
     *
     * @param here      names of the tensors this loader places; null for all of them
     * @param elsewhere the loader of the other tensors; required when {@code here} is given
     */
    public WeightLoader(GgufFile file, Device device, DoubleConsumer progress, Predicate<String> here, WeightLoader elsewhere) {
        if (here != null && elsewhere == null) throw new IllegalArgumentException("a selective loader needs a loader for the other tensors");
        this.file = file;
        this.device = device;
        this.here = here;
        this.elsewhere = elsewhere;
        MemorySegment section = file.segment().asSlice(Math.min(file.dataStart(), file.fileSize()));
        if (here != null) {
            this.packed = new HashMap<>();
            this.data = uploadSelected(section, progress);
        } else if (device.kind() == DeviceKind.CPU || section.byteSize() == 0) {
            this.packed = null;
            this.data = device.wrapHost(section, file.path().getFileName() + " (mapped)");
        } else {
            DeviceBuffer b = device.allocate(section.byteSize(), "weights of " + file.path().getFileName());
            try {
                for (long off = 0; off < section.byteSize(); off += UPLOAD_CHUNK) {
                    long n = Math.min(UPLOAD_CHUNK, section.byteSize() - off);
                    b.write(off, section.asSlice(off, n));
                    if (progress != null) progress.accept((double) (off + n) / section.byteSize());
                }
            } catch (RuntimeException e) {
                b.close();
                throw e;
            }
            this.data = b;
            this.packed = null;
        }
        owned.add(data);
    }

    /**
     * One buffer with the selected tensors that are used as stored (not the ones converted at load),
     * each at an offset aligned to {@value #PACK_ALIGN} bytes, uploaded in chunks.
     */
    private DeviceBuffer uploadSelected(MemorySegment section, DoubleConsumer progress) {
        List<GgufTensorInfo> sel = new ArrayList<>();
        long total = 0;
        for (GgufTensorInfo t : file.tensors()) {
            if (!here.test(t.name()) || convertedAtLoad(t)) continue;
            if (t.dataOffset() < 0 || t.byteSize() < 0 || t.dataOffset() + t.byteSize() > section.byteSize())
                throw new QuantaException(file.path() + ": tensor '" + t.name() + "' lies outside the data section");
            sel.add(t);
            packed.put(t.name(), total);
            total = alignUp(total + t.byteSize(), PACK_ALIGN);
        }
        DeviceBuffer b = device.allocate(Math.max(PACK_ALIGN, total), "weights of " + file.path().getFileName() + " on " + device.backend());
        try {
            long done = 0;
            for (GgufTensorInfo t : sel) {
                long dst = packed.get(t.name());
                for (long off = 0; off < t.byteSize(); off += UPLOAD_CHUNK) {
                    long n = Math.min(UPLOAD_CHUNK, t.byteSize() - off);
                    b.write(dst + off, section.asSlice(t.dataOffset() + off, n));
                    done += n;
                    if (progress != null && total > 0) progress.accept((double) done / total);
                }
            }
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) / a * a;
    }

    /** True for tensors {@link #place} converts to F32 on the host (they get their own buffer). */
    private static boolean convertedAtLoad(GgufTensorInfo t) {
        GgmlType type = t.type();
        if (type.isQuantized() && t.ne()[0] % type.blockSize != 0) return true;
        return t.ne().length == 1 && type != GgmlType.F32;
    }

    /** Bytes of device memory this loader holds (the packed or uploaded data, the converted tensors). */
    public long deviceBytes() {
        long n = 0;
        for (DeviceBuffer b : owned) n += b.hostView().isPresent() ? 0 : b.size();
        return n;
    }

    public GgufFile file() {
        return file;
    }

    public Device device() {
        return device;
    }

    /** Bytes converted on the host at load (dequantized legacy tensors). */
    public long convertedBytes() {
        return convertedBytes;
    }

    /** The GGUF entry of a tensor, or null. */
    public GgufTensorInfo info(String name) {
        return file.tensor(name);
    }

    /** The tensor {@code name} with exactly the shape {@code ne}; a clear error when absent or misshapen. */
    public Tensor require(String name, long... ne) {
        GgufTensorInfo t = file.tensor(name);
        if (t == null) throw new QuantaException(file.path() + ": missing tensor '" + name + "'");
        return placeOnce(t, ne);
    }

    /** The tensor {@code name} with shape {@code ne}, or null when the file does not have it. */
    public Tensor optional(String name, long... ne) {
        GgufTensorInfo t = file.tensor(name);
        return t == null ? null : placeOnce(t, ne);
    }

    /** Places each tensor once (a second request, e.g. from a loader on another device, gets the same one). */
    private Tensor placeOnce(GgufTensorInfo t, long[] want) {
        if (here != null && !here.test(t.name())) return elsewhere.placeOnce(t, want);
        Tensor done = placed.get(t.name());
        if (done != null) {
            checkShape(t, want);
            return done;
        }
        Tensor p = place(t, want);
        placed.put(t.name(), p);
        return p;
    }

    private void checkShape(GgufTensorInfo t, long[] want) {
        long[] h = trim(t.ne()), w = trim(want);
        if (!Arrays.equals(h, w))
            throw new QuantaException(file.path() + ": tensor '" + t.name() + "' has shape " + Arrays.toString(h)
                    + ", expected " + Arrays.toString(w));
    }

    private Tensor place(GgufTensorInfo t, long[] want) {
        long[] have = t.ne();
        checkShape(t, want);
        GgmlType type = t.type();
        boolean flat = type.isQuantized() && have[0] % type.blockSize != 0;
        if (flat) return dequantizeFlat(t);
        Long at = packed == null ? Long.valueOf(t.dataOffset()) : packed.get(t.name());
        if (at == null) throw new IllegalStateException("tensor " + t.name() + " was not uploaded");
        Tensor tensor = Tensor.storage(t.name(), type, data, at, have);
        if (have.length > 1 && !usableAsMatrix(tensor)) {
            if (!QuantCodecs.supported(type))
                throw new QuantaException(file.path() + ": tensor '" + t.name() + "' has type " + type.ggmlName()
                        + ", which neither the " + device.backend() + " backend nor the reference codecs support");
            LOG.log(Level.WARNING, "{0}: the {1} backend cannot multiply {2} weights; dequantizing {3} to F32 at load",
                    file.path().getFileName(), device.backend(), type.ggmlName(), t.name());
            return dequantize(t, false);
        }
        if (have.length == 1 && type != GgmlType.F32) return dequantize(t, false);
        return tensor;
    }

    private static long[] trim(long[] ne) {
        int n = ne.length;
        while (n > 1 && ne[n - 1] == 1) n--;
        return Arrays.copyOf(ne, n);
    }

    /** True when the device can compute MUL_MAT (and GET_ROWS) with this weight as stored. */
    private boolean usableAsMatrix(Tensor w) {
        Graph g = new Graph();
        Tensor x = g.input("x", GgmlType.F32, w.ne(0), 1);
        Tensor y = g.mulMat(w, x);
        return device.supports(y);
    }

    private Tensor dequantizeFlat(GgufTensorInfo t) {
        LOG.log(Level.DEBUG, "{0}: tensor {1} ({2} {3}) was quantized as a flat array of blocks; dequantizing to F32",
                file.path().getFileName(), t.name(), t.type().ggmlName(), t.shapeString());
        return dequantize(t, true);
    }

    /** Decodes every element in storage order (rows or one flat run of blocks: the same bytes either way). */
    private Tensor dequantize(GgufTensorInfo t, boolean flat) {
        QuantCodec codec;
        try {
            codec = QuantCodecs.of(t.type());
        } catch (RuntimeException e) {
            throw new QuantaException(file.path() + ": tensor '" + t.name() + "' has type " + t.type().ggmlName()
                    + (flat ? " with rows of " + t.ne()[0] + " elements (not whole blocks)" : "") + ", which cannot be decoded: " + e.getMessage());
        }
        long n = t.nelements();
        if (n > Integer.MAX_VALUE / 4) throw new QuantaException(file.path() + ": tensor '" + t.name() + "' is too large to convert on load");
        MemorySegment src = file.tensorData(t);
        int bs = t.type().blockSize;
        int chunk = bs * Math.max(1, 4096 / bs);
        float[] tmp = new float[chunk];
        DeviceBuffer buf = device.allocate(n * 4, t.name() + " (F32)");
        owned.add(buf);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stage = arena.allocate(n * 4, 64);
            long done = 0, srcOff = 0;
            while (done < n) {
                int m = (int) Math.min(chunk, n - done);
                codec.dequantizeRow(src, srcOff, tmp, 0, m);
                MemorySegment.copy(tmp, 0, stage, ValueLayout.JAVA_FLOAT_UNALIGNED, done * 4, m);
                srcOff += t.type().rowBytes(m);
                done += m;
            }
            buf.write(0, stage);
        }
        convertedBytes += n * 4;
        return Tensor.storage(t.name(), GgmlType.F32, buf, 0, t.ne());
    }

    /** Releases the device buffers (the mapping itself belongs to the {@link GgufFile}). */
    @Override
    public void close() {
        for (DeviceBuffer b : owned) b.close();
        owned.clear();
    }
}
