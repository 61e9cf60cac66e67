package dev.quanta.backend.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.quanta.backend.opencl.ffm.ClConst;
import dev.quanta.backend.opencl.ffm.OpenCl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** An OpenCL context on one device; owns nothing else (buffers, programs and queues close themselves). */
public final class ClContext implements AutoCloseable {
    private final ClDevice device;
    private MemorySegment handle;

    public ClContext(ClDevice device) {
        this.device = device;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment props = a.allocate(JAVA_LONG, 3);
            props.setAtIndex(JAVA_LONG, 0, ClConst.CL_CONTEXT_PLATFORM);
            props.setAtIndex(JAVA_LONG, 1, device.platform().handle().address());
            props.setAtIndex(JAVA_LONG, 2, 0);
            MemorySegment devs = a.allocate(ADDRESS);
            devs.set(ADDRESS, 0, device.handle());
            MemorySegment err = a.allocate(JAVA_INT);
            handle = (MemorySegment) OpenCl.clCreateContext.invokeExact(props, 1, devs, MemorySegment.NULL,
                    MemorySegment.NULL, err);
            Cl.checkErr(err, "clCreateContext");
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
    }

    public ClDevice device() {
        return device;
    }

    public MemorySegment handle() {
        if (handle == null) throw new IllegalStateException("OpenCL context of " + device.name() + " is closed");
        return handle;
    }

    @Override
    public void close() {
        if (handle == null) return;
        try {
            ClException.check((int) OpenCl.clReleaseContext.invokeExact(handle), "clReleaseContext");
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        } finally {
            handle = null;
        }
    }
}
