package dev.quanta.backend.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.quanta.backend.opencl.ffm.ClConst;
import dev.quanta.backend.opencl.ffm.OpenCl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A {@code cl_event} returned by an enqueue: wait on it, read its profiling times, release it. */
public final class ClEvent implements AutoCloseable {
    private MemorySegment handle;

    ClEvent(MemorySegment handle) {
        this.handle = handle;
    }

    public void await() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment list = a.allocate(ADDRESS);
            list.set(ADDRESS, 0, handle);
            ClException.check((int) OpenCl.clWaitForEvents.invokeExact(1, list), "clWaitForEvents");
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
    }

    /** Nanoseconds between start and end of the command (the queue must have profiling enabled). */
    public long elapsedNanos() {
        await();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            ClException.check((int) OpenCl.clGetEventProfilingInfo.invokeExact(handle, ClConst.CL_PROFILING_COMMAND_START,
                    8L, v, MemorySegment.NULL), "clGetEventProfilingInfo");
            long start = v.get(JAVA_LONG, 0);
            ClException.check((int) OpenCl.clGetEventProfilingInfo.invokeExact(handle, ClConst.CL_PROFILING_COMMAND_END,
                    8L, v, MemorySegment.NULL), "clGetEventProfilingInfo");
            return v.get(JAVA_LONG, 0) - start;
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
    }

    @Override
    public void close() {
        if (handle == null) return;
        try {
            ClException.check((int) OpenCl.clReleaseEvent.invokeExact(handle), "clReleaseEvent");
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        } finally {
            handle = null;
        }
    }
}
