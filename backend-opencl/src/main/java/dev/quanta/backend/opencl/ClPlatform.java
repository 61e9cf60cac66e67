package dev.quanta.backend.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.quanta.backend.opencl.ffm.ClConst;
import dev.quanta.backend.opencl.ffm.OpenCl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** An OpenCL platform (an installed driver, e.g. "Portable Computing Language"). Platforms live as long as the process. */
public record ClPlatform(MemorySegment handle, String name, String vendor, String version, String extensions) {

    /** Every platform the ICD loader reports; empty when there is none. */
    public static List<ClPlatform> all() {
        List<ClPlatform> out = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            int rc = (int) OpenCl.clGetPlatformIDs.invokeExact(0, MemorySegment.NULL, n);
            if (rc == -1001 || rc == -1) return out; // CL_PLATFORM_NOT_FOUND_KHR: no driver installed
            ClException.check(rc, "clGetPlatformIDs");
            int count = n.get(JAVA_INT, 0);
            if (count == 0) return out;
            MemorySegment ids = a.allocate(ADDRESS, count);
            ClException.check((int) OpenCl.clGetPlatformIDs.invokeExact(count, ids, MemorySegment.NULL), "clGetPlatformIDs");
            for (int i = 0; i < count; i++) out.add(of(ids.getAtIndex(ADDRESS, i)));
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
        return out;
    }

    static ClPlatform of(MemorySegment h) {
        return new ClPlatform(h, info(h, ClConst.CL_PLATFORM_NAME), info(h, ClConst.CL_PLATFORM_VENDOR),
                info(h, ClConst.CL_PLATFORM_VERSION), info(h, ClConst.CL_PLATFORM_EXTENSIONS));
    }

    private static String info(MemorySegment h, int param) {
        return Cl.infoString(OpenCl.clGetPlatformInfo, "clGetPlatformInfo", h, param);
    }

    /** The devices of this platform (all types); empty when it has none. */
    public List<ClDevice> devices() {
        List<ClDevice> out = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            int rc = (int) OpenCl.clGetDeviceIDs.invokeExact(handle, ClConst.CL_DEVICE_TYPE_ALL, 0, MemorySegment.NULL, n);
            if (rc == -1) return out; // CL_DEVICE_NOT_FOUND
            ClException.check(rc, "clGetDeviceIDs");
            int count = n.get(JAVA_INT, 0);
            MemorySegment ids = a.allocate(ADDRESS, Math.max(1, count));
            ClException.check((int) OpenCl.clGetDeviceIDs.invokeExact(handle, ClConst.CL_DEVICE_TYPE_ALL, count, ids,
                    MemorySegment.NULL), "clGetDeviceIDs");
            for (int i = 0; i < count; i++) out.add(ClDevice.of(this, ids.getAtIndex(ADDRESS, i)));
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
        return out;
    }
}
