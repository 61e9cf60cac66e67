package dev.quanta.backend.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.quanta.backend.opencl.ffm.ClConst;
import dev.quanta.backend.opencl.ffm.OpenCl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An in-order command queue. Transfers of heap segments go through a native staging copy; the
 * NDRange size arrays live in a scratch reused by every launch. Not thread-safe.
 */
public final class ClQueue implements AutoCloseable {
    private final ClContext context;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment sizes = arena.allocate(JAVA_LONG, 6); // global[3], local[3]
    private final MemorySegment eventSlot = arena.allocate(ADDRESS);
    private final MemorySegment pattern = arena.allocate(16, 16); // zeros for fills
    private MemorySegment handle;

    public ClQueue(ClContext context, boolean profiling) {
        this.context = context;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(JAVA_INT);
            handle = (MemorySegment) OpenCl.clCreateCommandQueue.invokeExact(context.handle(), context.device().handle(),
                    profiling ? ClConst.CL_QUEUE_PROFILING_ENABLE : 0L, err);
            Cl.checkErr(err, "clCreateCommandQueue");
        } catch (Throwable t) {
            arena.close();
            throw Cl.rethrow(t);
        }
    }

    public ClContext context() {
        return context;
    }

    public MemorySegment handle() {
        if (handle == null) throw new IllegalStateException("OpenCL queue is closed");
        return handle;
    }

    /** Copies {@code src} into {@code dst} at {@code offset}; blocks until done. */
    public void write(ClBuffer dst, long offset, MemorySegment src) {
        long n = src.byteSize();
        if (n == 0) return;
        checkRange(dst, offset, n, "write");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment from = src.isNative() ? src : a.allocate(n, 16).copyFrom(src);
            ClException.check((int) OpenCl.clEnqueueWriteBuffer.invokeExact(handle(), dst.handle(), ClConst.CL_TRUE,
                    offset, n, from, 0, MemorySegment.NULL, MemorySegment.NULL), "clEnqueueWriteBuffer");
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
    }

    /** Copies {@code dst.byteSize()} bytes from {@code src} at {@code offset}; blocks until done. */
    public void read(ClBuffer src, long offset, MemorySegment dst) {
        long n = dst.byteSize();
        if (n == 0) return;
        checkRange(src, offset, n, "read");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment to = dst.isNative() ? dst : a.allocate(n, 16);
            ClException.check((int) OpenCl.clEnqueueReadBuffer.invokeExact(handle(), src.handle(), ClConst.CL_TRUE,
                    offset, n, to, 0, MemorySegment.NULL, MemorySegment.NULL), "clEnqueueReadBuffer");
            if (to != dst) dst.copyFrom(to);
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
    }

    /** Enqueues a device-side copy (asynchronous, ordered). */
    public void copy(ClBuffer src, long srcOffset, ClBuffer dst, long dstOffset, long bytes) {
        if (bytes == 0) return;
        checkRange(src, srcOffset, bytes, "copy from");
        checkRange(dst, dstOffset, bytes, "copy to");
        try {
            ClException.check((int) OpenCl.clEnqueueCopyBuffer.invokeExact(handle(), src.handle(), dst.handle(),
                    srcOffset, dstOffset, bytes, 0, MemorySegment.NULL, MemorySegment.NULL), "clEnqueueCopyBuffer");
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
    }

    /** Enqueues zero-filling {@code bytes} at {@code offset} (both multiples of 4). */
    public void zero(ClBuffer dst, long offset, long bytes) {
        if (bytes == 0) return;
        checkRange(dst, offset, bytes, "fill");
        long p = (offset % 4 == 0 && bytes % 4 == 0) ? 4 : 1;
        try {
            ClException.check((int) OpenCl.clEnqueueFillBuffer.invokeExact(handle(), dst.handle(), pattern, p, offset,
                    bytes, 0, MemorySegment.NULL, MemorySegment.NULL), "clEnqueueFillBuffer");
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
    }

    /**
     * Enqueues {@code kernel} over {@code global} work-items in groups of {@code local} (null lets the
     * driver choose). Each global size must be a multiple of the local size.
     */
    public void launch(ClKernel kernel, long[] global, long[] local) {
        launch(kernel, global, local, false);
    }

    /** As {@link #launch(ClKernel, long[], long[])}; with {@code wantEvent} returns the command's event. */
    public ClEvent launch(ClKernel kernel, long[] global, long[] local, boolean wantEvent) {
        int dims = global.length;
        for (int i = 0; i < dims; i++) {
            sizes.setAtIndex(JAVA_LONG, i, global[i]);
            if (local != null) sizes.setAtIndex(JAVA_LONG, 3 + i, local[i]);
        }
        try {
            MemorySegment g = sizes;
            MemorySegment l = local == null ? MemorySegment.NULL : sizes.asSlice(24);
            MemorySegment ev = wantEvent ? eventSlot : MemorySegment.NULL;
            int rc = (int) OpenCl.clEnqueueNDRangeKernel.invokeExact(handle(), kernel.handle(), dims, MemorySegment.NULL,
                    g, l, 0, MemorySegment.NULL, ev);
            if (rc != 0) throw new ClException("clEnqueueNDRangeKernel(" + kernel.name() + ")", rc);
            return wantEvent ? new ClEvent(eventSlot.get(ADDRESS, 0)) : NO_EVENT;
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
    }

    private static final ClEvent NO_EVENT = new ClEvent(MemorySegment.NULL);

    public void flush() {
        try {
            ClException.check((int) OpenCl.clFlush.invokeExact(handle()), "clFlush");
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
    }

    /** Blocks until every queued command is done. */
    public void finish() {
        try {
            ClException.check((int) OpenCl.clFinish.invokeExact(handle()), "clFinish");
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
    }

    private static void checkRange(ClBuffer b, long off, long n, String what) {
        if (off < 0 || n < 0 || off + n > b.size())
            throw new IndexOutOfBoundsException("OpenCL " + what + " of " + n + " bytes at " + off + " exceeds buffer of "
                    + b.size() + " bytes");
    }

    @Override
    public void close() {
        if (handle == null) return;
        try {
            ClException.check((int) OpenCl.clFinish.invokeExact(handle), "clFinish");
            ClException.check((int) OpenCl.clReleaseCommandQueue.invokeExact(handle), "clReleaseCommandQueue");
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        } finally {
            handle = null;
            arena.close();
        }
    }
}
