package dev.quanta.backend.cuda.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Raw downcall handles of the CUDA driver API (libcuda.so.1), one per symbol, versioned names as
 * cuda.h maps them (cuMemAlloc → cuMemAlloc_v2 ...). Only touch this class after
 * {@link CudaLibrary#available()}. Every handle returns a CUresult (int); pointers are
 * {@link MemorySegment}s, CUdeviceptr and size_t are longs.
 */
public final class CudaDriver {
    private CudaDriver() {}

    private static final Linker LINKER = Linker.nativeLinker();

    private static MethodHandle h(String name, FunctionDescriptor fd) {
        return CudaLibrary.lookup().find(name).map(s -> LINKER.downcallHandle(s, fd))
                .orElseThrow(() -> new UnsatisfiedLinkError("libcuda.so.1 lacks " + name + " (driver too old?)"));
    }

    private static FunctionDescriptor fd(java.lang.foreign.MemoryLayout... args) {
        return FunctionDescriptor.of(JAVA_INT, args);
    }

    public static final MethodHandle cuInit = h("cuInit", fd(JAVA_INT));
    public static final MethodHandle cuDriverGetVersion = h("cuDriverGetVersion", fd(ADDRESS));
    public static final MethodHandle cuGetErrorName = h("cuGetErrorName", fd(JAVA_INT, ADDRESS));
    public static final MethodHandle cuGetErrorString = h("cuGetErrorString", fd(JAVA_INT, ADDRESS));
    public static final MethodHandle cuDeviceGetCount = h("cuDeviceGetCount", fd(ADDRESS));
    public static final MethodHandle cuDeviceGet = h("cuDeviceGet", fd(ADDRESS, JAVA_INT));
    public static final MethodHandle cuDeviceGetName = h("cuDeviceGetName", fd(ADDRESS, JAVA_INT, JAVA_INT));
    public static final MethodHandle cuDeviceGetAttribute = h("cuDeviceGetAttribute", fd(ADDRESS, JAVA_INT, JAVA_INT));
    public static final MethodHandle cuDeviceTotalMem = h("cuDeviceTotalMem_v2", fd(ADDRESS, JAVA_INT));
    public static final MethodHandle cuDevicePrimaryCtxRetain = h("cuDevicePrimaryCtxRetain", fd(ADDRESS, JAVA_INT));
    public static final MethodHandle cuDevicePrimaryCtxRelease = h("cuDevicePrimaryCtxRelease_v2", fd(JAVA_INT));
    public static final MethodHandle cuCtxSetCurrent = h("cuCtxSetCurrent", fd(ADDRESS));
    public static final MethodHandle cuCtxSynchronize = h("cuCtxSynchronize", fd());
    public static final MethodHandle cuMemGetInfo = h("cuMemGetInfo_v2", fd(ADDRESS, ADDRESS));
    public static final MethodHandle cuMemAlloc = h("cuMemAlloc_v2", fd(ADDRESS, JAVA_LONG));
    public static final MethodHandle cuMemFree = h("cuMemFree_v2", fd(JAVA_LONG));
    public static final MethodHandle cuMemAllocHost = h("cuMemAllocHost_v2", fd(ADDRESS, JAVA_LONG));
    public static final MethodHandle cuMemFreeHost = h("cuMemFreeHost", fd(ADDRESS));
    public static final MethodHandle cuMemcpyHtoD = h("cuMemcpyHtoD_v2", fd(JAVA_LONG, ADDRESS, JAVA_LONG));
    public static final MethodHandle cuMemcpyDtoH = h("cuMemcpyDtoH_v2", fd(ADDRESS, JAVA_LONG, JAVA_LONG));
    public static final MethodHandle cuMemcpyHtoDAsync = h("cuMemcpyHtoDAsync_v2", fd(JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
    public static final MethodHandle cuMemcpyDtoHAsync = h("cuMemcpyDtoHAsync_v2", fd(ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
    public static final MethodHandle cuMemcpyDtoDAsync = h("cuMemcpyDtoDAsync_v2", fd(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
    public static final MethodHandle cuMemsetD8Async = h("cuMemsetD8Async", fd(JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS));
    public static final MethodHandle cuStreamCreate = h("cuStreamCreate", fd(ADDRESS, JAVA_INT));
    public static final MethodHandle cuStreamSynchronize = h("cuStreamSynchronize", fd(ADDRESS));
    public static final MethodHandle cuStreamDestroy = h("cuStreamDestroy_v2", fd(ADDRESS));
    public static final MethodHandle cuEventCreate = h("cuEventCreate", fd(ADDRESS, JAVA_INT));
    public static final MethodHandle cuEventRecord = h("cuEventRecord", fd(ADDRESS, ADDRESS));
    public static final MethodHandle cuEventSynchronize = h("cuEventSynchronize", fd(ADDRESS));
    public static final MethodHandle cuEventElapsedTime = h("cuEventElapsedTime", fd(ADDRESS, ADDRESS, ADDRESS));
    public static final MethodHandle cuEventDestroy = h("cuEventDestroy_v2", fd(ADDRESS));
    public static final MethodHandle cuModuleLoadData = h("cuModuleLoadData", fd(ADDRESS, ADDRESS));
    public static final MethodHandle cuModuleGetFunction = h("cuModuleGetFunction", fd(ADDRESS, ADDRESS, ADDRESS));
    public static final MethodHandle cuModuleUnload = h("cuModuleUnload", fd(ADDRESS));
    public static final MethodHandle cuFuncSetAttribute = h("cuFuncSetAttribute", fd(ADDRESS, JAVA_INT, JAVA_INT));
    /** cuLaunchKernel(f, gx, gy, gz, bx, by, bz, sharedBytes, stream, kernelParams, extra). */
    public static final MethodHandle cuLaunchKernel = h("cuLaunchKernel",
            fd(ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    public static final MethodHandle cuStreamBeginCapture = h("cuStreamBeginCapture_v2", fd(ADDRESS, JAVA_INT));
    public static final MethodHandle cuStreamEndCapture = h("cuStreamEndCapture", fd(ADDRESS, ADDRESS));
    public static final MethodHandle cuGraphInstantiate = h("cuGraphInstantiateWithFlags", fd(ADDRESS, ADDRESS, JAVA_LONG));
    public static final MethodHandle cuGraphLaunch = h("cuGraphLaunch", fd(ADDRESS, ADDRESS));
    public static final MethodHandle cuGraphExecDestroy = h("cuGraphExecDestroy", fd(ADDRESS));
    public static final MethodHandle cuGraphDestroy = h("cuGraphDestroy", fd(ADDRESS));
    public static final MethodHandle cuGraphCreate = h("cuGraphCreate", fd(ADDRESS, JAVA_INT));
    /** cuGraphAddKernelNode(node*, graph, deps*, numDeps, const CUDA_KERNEL_NODE_PARAMS_v2*). */
    public static final MethodHandle cuGraphAddKernelNode = h("cuGraphAddKernelNode_v2", fd(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    /** cuGraphExecKernelNodeSetParams(exec, node, const CUDA_KERNEL_NODE_PARAMS_v2*). */
    public static final MethodHandle cuGraphExecKernelNodeSetParams = h("cuGraphExecKernelNodeSetParams_v2", fd(ADDRESS, ADDRESS, ADDRESS));

    // Device attributes used (CUdevice_attribute values from cuda.h).
    public static final int ATTR_MAX_THREADS_PER_BLOCK = 1;
    public static final int ATTR_MULTIPROCESSOR_COUNT = 16;
    public static final int ATTR_COMPUTE_CAPABILITY_MAJOR = 75;
    public static final int ATTR_COMPUTE_CAPABILITY_MINOR = 76;
    public static final int ATTR_INTEGRATED = 18;
    public static final int ATTR_MEMORY_CLOCK_RATE = 36;
    public static final int ATTR_GLOBAL_MEMORY_BUS_WIDTH = 37;
}
