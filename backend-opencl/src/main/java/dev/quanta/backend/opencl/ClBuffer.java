package dev.quanta.backend.opencl;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.quanta.backend.opencl.ffm.OpenCl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** One {@code cl_mem} buffer; released on close. */
public final class ClBuffer implements AutoCloseable {
    private final long size;
    private MemorySegment handle;

    /**
     * @param flags   CL_MEM_* bits
     * @param hostPtr NULL, or host memory for CL_MEM_USE_HOST_PTR / CL_MEM_COPY_HOST_PTR
     */
    public ClBuffer(ClContext ctx, long flags, long size, MemorySegment hostPtr) {
        if (size <= 0) throw new IllegalArgumentException("OpenCL buffer size must be positive, got " + size);
        this.size = size;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(JAVA_INT);
            handle = (MemorySegment) OpenCl.clCreateBuffer.invokeExact(ctx.handle(), flags, size, hostPtr, err);
            Cl.checkErr(err, "clCreateBuffer(" + size + " bytes)");
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
    }

    public long size() {
        return size;
    }

    public MemorySegment handle() {
        if (handle == null) throw new IllegalStateException("OpenCL buffer is closed");
        return handle;
    }

    @Override
    public void close() {
        if (handle == null) return;
        try {
            ClException.check((int) OpenCl.clReleaseMemObject.invokeExact(handle), "clReleaseMemObject");
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        } finally {
            handle = null;
        }
    }
}
