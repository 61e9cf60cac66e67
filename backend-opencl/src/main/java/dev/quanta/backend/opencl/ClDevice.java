package dev.quanta.backend.opencl;

import dev.quanta.backend.opencl.ffm.ClConst;
import dev.quanta.backend.opencl.ffm.OpenCl;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * An OpenCL device id with the properties the backend and the hardware report use, read once.
 *
 * @param type        CL_DEVICE_TYPE bits (CPU 2, GPU 4, ACCELERATOR 8)
 * @param hostUnified CL_DEVICE_HOST_UNIFIED_MEMORY: device memory is host memory (iGPU, CPU devices)
 */
public record ClDevice(ClPlatform platform, MemorySegment handle, String name, String vendor, String version,
                       String driverVersion, String openclCVersion, long type, int computeUnits, int clockMhz,
                       long globalMemSize, long maxAllocSize, long localMemSize, long maxWorkGroupSize,
                       int memBaseAddrAlignBits, boolean hostUnified, Set<String> extensions) {

    static ClDevice of(ClPlatform p, MemorySegment h) {
        String ext = str(h, ClConst.CL_DEVICE_EXTENSIONS);
        String cver;
        try {
            cver = str(h, ClConst.CL_DEVICE_OPENCL_C_VERSION);
        } catch (ClException e) {
            cver = "";
        }
        return new ClDevice(p, h, str(h, ClConst.CL_DEVICE_NAME), str(h, ClConst.CL_DEVICE_VENDOR),
                str(h, ClConst.CL_DEVICE_VERSION), str(h, ClConst.CL_DRIVER_VERSION), cver,
                num(h, ClConst.CL_DEVICE_TYPE, 8), (int) num(h, ClConst.CL_DEVICE_MAX_COMPUTE_UNITS, 4),
                (int) num(h, ClConst.CL_DEVICE_MAX_CLOCK_FREQUENCY, 4), num(h, ClConst.CL_DEVICE_GLOBAL_MEM_SIZE, 8),
                num(h, ClConst.CL_DEVICE_MAX_MEM_ALLOC_SIZE, 8), num(h, ClConst.CL_DEVICE_LOCAL_MEM_SIZE, 8),
                num(h, ClConst.CL_DEVICE_MAX_WORK_GROUP_SIZE, 8), (int) num(h, ClConst.CL_DEVICE_MEM_BASE_ADDR_ALIGN, 4),
                num(h, ClConst.CL_DEVICE_HOST_UNIFIED_MEMORY, 4) != 0,
                new TreeSet<>(Arrays.asList(ext.isBlank() ? new String[0] : ext.split("\\s+"))));
    }

    private static String str(MemorySegment h, int param) {
        return Cl.infoString(OpenCl.clGetDeviceInfo, "clGetDeviceInfo", h, param);
    }

    private static long num(MemorySegment h, int param, int bytes) {
        return Cl.infoLong(OpenCl.clGetDeviceInfo, "clGetDeviceInfo", h, param, bytes);
    }

    public boolean isCpu() {
        return (type & ClConst.CL_DEVICE_TYPE_CPU) != 0;
    }

    public boolean isGpu() {
        return (type & ClConst.CL_DEVICE_TYPE_GPU) != 0;
    }

    public boolean hasExtension(String name) {
        return extensions.contains(name);
    }

    /** "CPU", "GPU", "ACCELERATOR" or a combination. */
    public String typeName() {
        StringBuilder sb = new StringBuilder();
        if (isCpu()) sb.append("CPU");
        if (isGpu()) sb.append(sb.isEmpty() ? "" : "+").append("GPU");
        if ((type & ClConst.CL_DEVICE_TYPE_ACCELERATOR) != 0) sb.append(sb.isEmpty() ? "" : "+").append("ACCELERATOR");
        return sb.isEmpty() ? "OTHER" : sb.toString();
    }

    @Override
    public String toString() {
        return name + " (" + typeName() + ", " + platform.name() + ")";
    }
}
