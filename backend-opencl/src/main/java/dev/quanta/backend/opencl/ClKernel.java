package dev.quanta.backend.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.quanta.backend.opencl.ffm.ClConst;
import dev.quanta.backend.opencl.ffm.OpenCl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A kernel object with a reusable 8-byte scratch for its arguments (clSetKernelArg copies the value,
 * so one slot serves every argument of every launch). Not thread-safe: each stream owns its kernels.
 */
public final class ClKernel implements AutoCloseable {
    private final String name;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment scratch = arena.allocate(8, 8);
    private MemorySegment handle;

    public ClKernel(ClProgram program, String name) {
        this.name = name;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(JAVA_INT);
            handle = (MemorySegment) OpenCl.clCreateKernel.invokeExact(program.handle(), a.allocateFrom(name), err);
            Cl.checkErr(err, "clCreateKernel(" + name + ")");
        } catch (Throwable t) {
            arena.close();
            throw Cl.rethrow(t);
        }
    }

    public String name() {
        return name;
    }

    public MemorySegment handle() {
        if (handle == null) throw new IllegalStateException("OpenCL kernel " + name + " is closed");
        return handle;
    }

    private void set(int index, long size, MemorySegment value) {
        try {
            ClException.check((int) OpenCl.clSetKernelArg.invokeExact(handle(), index, size, value),
                    "clSetKernelArg(" + name + ", " + index + ")");
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
    }

    public ClKernel arg(int index, ClBuffer buffer) {
        scratch.set(ADDRESS, 0, buffer.handle());
        set(index, ADDRESS.byteSize(), scratch);
        return this;
    }

    public ClKernel arg(int index, int v) {
        scratch.set(JAVA_INT, 0, v);
        set(index, 4, scratch);
        return this;
    }

    public ClKernel arg(int index, long v) {
        scratch.set(JAVA_LONG, 0, v);
        set(index, 8, scratch);
        return this;
    }

    public ClKernel arg(int index, float v) {
        scratch.set(JAVA_FLOAT, 0, v);
        set(index, 4, scratch);
        return this;
    }

    /** A {@code __local} argument of {@code bytes}. */
    public ClKernel local(int index, long bytes) {
        set(index, bytes, MemorySegment.NULL);
        return this;
    }

    /** The largest work-group this kernel can launch with on {@code device}. */
    public long maxWorkGroupSize(ClDevice device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            ClException.check((int) OpenCl.clGetKernelWorkGroupInfo.invokeExact(handle(), device.handle(),
                    ClConst.CL_KERNEL_WORK_GROUP_SIZE, 8L, v, MemorySegment.NULL), "clGetKernelWorkGroupInfo");
            return v.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
    }

    @Override
    public void close() {
        if (handle == null) return;
        try {
            ClException.check((int) OpenCl.clReleaseKernel.invokeExact(handle), "clReleaseKernel");
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        } finally {
            handle = null;
            arena.close();
        }
    }
}
