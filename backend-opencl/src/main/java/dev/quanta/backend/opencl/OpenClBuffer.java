package dev.quanta.backend.opencl;

import dev.quanta.backend.opencl.ffm.ClConst;
import dev.quanta.kernels.backend.BackendException;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.DeviceBuffer;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A device buffer made of one or more {@code cl_mem} chunks: a buffer larger than the device's
 * largest allocation is split at chunk boundaries. A tensor inside one chunk is used in place; a
 * tensor read across a boundary is joined once into its own buffer (weights are uploaded once),
 * and writing across a boundary is refused with the tensor named.
 */
public final class OpenClBuffer implements DeviceBuffer {
    private final OpenClDevice device;
    private final String label;
    private final long size;
    private final long chunkSize;
    private final List<ClBuffer> chunks = new ArrayList<>();
    private final MemorySegment host; // the wrapped host segment when used in place, else null
    private final Map<Long, ClBuffer> joined = new HashMap<>();
    private boolean closed;

    /** A place in the buffer as one cl_mem and an offset inside it. */
    public record Region(ClBuffer buffer, long offset) {}

    OpenClBuffer(OpenClDevice device, String label, long size, MemorySegment wrap) {
        this.device = device;
        this.label = label;
        this.size = size;
        long max = device.maxAllocation();
        this.chunkSize = Math.max(ScratchAllocator.ALIGN, max / ScratchAllocator.ALIGN * ScratchAllocator.ALIGN);
        boolean inPlace = wrap != null && device.info().hostUnified() && wrap.isNative() && wrap.address() % 64 == 0
                && !Boolean.getBoolean("quanta.opencl.noHostPtr");
        this.host = inPlace ? wrap : null;
        try {
            for (long off = 0; off < Math.max(1, size); off += chunkSize) {
                long n = Math.max(1, Math.min(chunkSize, size - off));
                if (inPlace) {
                    chunks.add(new ClBuffer(device.context(), ClConst.CL_MEM_READ_WRITE | ClConst.CL_MEM_USE_HOST_PTR, n,
                            wrap.asSlice(off, n)));
                } else {
                    long flags = ClConst.CL_MEM_READ_WRITE | (device.info().hostUnified() ? ClConst.CL_MEM_ALLOC_HOST_PTR : 0);
                    chunks.add(new ClBuffer(device.context(), flags, n, MemorySegment.NULL));
                }
            }
            if (!inPlace) {
                ClQueue q = device.transferQueue();
                synchronized (q) {
                    for (int i = 0; i < chunks.size(); i++) q.zero(chunks.get(i), 0, chunks.get(i).size() / 4 * 4);
                    if (wrap != null) writeChunks(q, 0, wrap);
                    q.finish();
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public String label() {
        return label;
    }

    /** Number of cl_mem chunks (1 unless the buffer exceeds the device's largest allocation). */
    public int chunkCount() {
        return chunks.size();
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public long size() {
        return size;
    }

    /** The cl_mem and offset holding bytes [offset, offset+bytes), joined into one buffer if they span chunks. */
    public Region region(long offset, long bytes, String what, ClQueue q) {
        checkOpen();
        if (offset < 0 || bytes < 0 || offset + bytes > size)
            throw new BackendException("OpenCL: " + what + " (" + bytes + " bytes at " + offset + ") is outside buffer '"
                    + label + "' of " + size + " bytes");
        int c = (int) (offset / chunkSize);
        long local = offset - c * chunkSize;
        if (local + bytes <= chunks.get(c).size()) return new Region(chunks.get(c), local);
        synchronized (joined) {
            ClBuffer j = joined.get(offset);
            if (j == null || j.size() < bytes) {
                if (j != null) j.close();
                if (bytes > device.maxAllocation())
                    throw new BackendException("OpenCL: " + what + " of " + bytes + " bytes exceeds the device's largest allocation");
                j = new ClBuffer(device.context(), ClConst.CL_MEM_READ_WRITE, bytes, MemorySegment.NULL);
                long done = 0;
                while (done < bytes) { // enqueued on the caller's queue: ordered after its earlier writes
                    int ci = (int) ((offset + done) / chunkSize);
                    long lo = offset + done - ci * chunkSize;
                    long n = Math.min(bytes - done, chunks.get(ci).size() - lo);
                    q.copy(chunks.get(ci), lo, j, done, n);
                    done += n;
                }
                joined.put(offset, j);
            }
            return new Region(j, 0);
        }
    }

    /** Rows [first, first + count) of a 2-D tensor, held in one region. */
    public record Piece(long first, long count, Region region) {}

    /** True when bytes [offset, offset+bytes) lie in one chunk. */
    public boolean inOneChunk(long offset, long bytes) {
        int c = (int) (offset / chunkSize);
        return offset - c * chunkSize + bytes <= chunks.get(c).size();
    }

    /**
     * The rows of a 2-D tensor (first row at {@code offset}, {@code nb1} apart) as pieces that each
     * lie in one chunk; a row that straddles two chunks is joined into a piece of its own.
     */
    public java.util.List<Piece> rowPieces(long offset, long rowBytes, long nb1, long nRows, String what, ClQueue q) {
        java.util.List<Piece> out = new ArrayList<>();
        long r = 0;
        while (r < nRows) {
            long start = offset + r * nb1;
            if (!inOneChunk(start, rowBytes)) {
                out.add(new Piece(r, 1, region(start, rowBytes, what + " row " + r, q)));
                r++;
                continue;
            }
            int c = (int) (start / chunkSize);
            long chunkEnd = c * chunkSize + chunks.get(c).size();
            long n = 1;
            while (r + n < nRows && offset + (r + n) * nb1 + rowBytes <= chunkEnd) n++;
            out.add(new Piece(r, n, new Region(chunks.get(c), start - c * chunkSize)));
            r += n;
        }
        return out;
    }

    /** A region that kernels will write: must lie in one chunk. */
    public Region writableRegion(long offset, long bytes, String what) {
        int c = (int) (offset / chunkSize);
        long local = offset - c * chunkSize;
        if (offset >= 0 && offset + bytes <= size && local + bytes <= chunks.get(c).size()) {
            synchronized (joined) { // a joined copy overlapping the bytes written is stale from now on
                joined.entrySet().removeIf(e -> {
                    boolean overlap = e.getKey() < offset + bytes && offset < e.getKey() + e.getValue().size();
                    if (overlap) e.getValue().close();
                    return overlap;
                });
            }
            return new Region(chunks.get(c), local);
        }
        throw new BackendException("OpenCL: " + what + " spans two allocations of buffer '" + label
                + "' (device largest allocation " + device.maxAllocation() + " bytes); allocate it in its own buffer");
    }

    @Override
    public void write(long offset, MemorySegment src) {
        checkOpen();
        if (offset < 0 || offset + src.byteSize() > size)
            throw new IndexOutOfBoundsException("write of " + src.byteSize() + " bytes at " + offset + " into buffer '" + label
                    + "' of " + size + " bytes");
        ClQueue q = device.transferQueue();
        synchronized (q) {
            writeChunks(q, offset, src);
        }
        invalidateJoined();
    }

    private void writeChunks(ClQueue q, long offset, MemorySegment src) {
        long done = 0, n = src.byteSize();
        while (done < n) {
            int ci = (int) ((offset + done) / chunkSize);
            long lo = offset + done - ci * chunkSize;
            long len = Math.min(n - done, chunks.get(ci).size() - lo);
            q.write(chunks.get(ci), lo, src.asSlice(done, len));
            done += len;
        }
    }

    private void invalidateJoined() {
        synchronized (joined) {
            joined.values().forEach(ClBuffer::close);
            joined.clear();
        }
    }

    @Override
    public void read(long offset, MemorySegment dst) {
        checkOpen();
        if (offset < 0 || offset + dst.byteSize() > size)
            throw new IndexOutOfBoundsException("read of " + dst.byteSize() + " bytes at " + offset + " from buffer '" + label
                    + "' of " + size + " bytes");
        ClQueue q = device.transferQueue();
        synchronized (q) {
            long done = 0, n = dst.byteSize();
            while (done < n) {
                int ci = (int) ((offset + done) / chunkSize);
                long lo = offset + done - ci * chunkSize;
                long len = Math.min(n - done, chunks.get(ci).size() - lo);
                q.read(chunks.get(ci), lo, dst.asSlice(done, len));
                done += len;
            }
        }
    }

    /** The wrapped host bytes when the device uses them in place (unified memory); empty otherwise. */
    @Override
    public Optional<MemorySegment> hostView() {
        return Optional.ofNullable(host);
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("OpenCL buffer '" + label + "' is closed");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        invalidateJoined();
        chunks.forEach(ClBuffer::close);
        chunks.clear();
        device.forget(this);
    }
}
