package dev.quanta.backend.opencl.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.invoke.MethodHandle;

/**
 * Raw OpenCL 1.2 entry points: one downcall handle per symbol, called with {@code invokeExact}.
 * Types: {@code cl_int}/{@code cl_uint}/{@code cl_bool} are {@code int}, {@code size_t} and the
 * 64-bit bitfields ({@code cl_mem_flags}, {@code cl_device_type}) are {@code long}, every handle
 * and pointer is a {@code MemorySegment}. Only use after {@link OpenClLibrary#available()}.
 */
public final class OpenCl {
    private OpenCl() {}

    private static final MemoryLayout I = JAVA_INT, L = JAVA_LONG, A = ADDRESS;

    private static MethodHandle h(String name, MemoryLayout ret, MemoryLayout... args) {
        return OpenClLibrary.handle(name, FunctionDescriptor.of(ret, args));
    }

    // platforms and devices
    public static final MethodHandle clGetPlatformIDs = h("clGetPlatformIDs", I, I, A, A);
    public static final MethodHandle clGetPlatformInfo = h("clGetPlatformInfo", I, A, I, L, A, A);
    public static final MethodHandle clGetDeviceIDs = h("clGetDeviceIDs", I, A, L, I, A, A);
    public static final MethodHandle clGetDeviceInfo = h("clGetDeviceInfo", I, A, I, L, A, A);

    // context and queue
    public static final MethodHandle clCreateContext = h("clCreateContext", A, A, I, A, A, A, A);
    public static final MethodHandle clReleaseContext = h("clReleaseContext", I, A);
    public static final MethodHandle clCreateCommandQueue = h("clCreateCommandQueue", A, A, A, L, A);
    public static final MethodHandle clReleaseCommandQueue = h("clReleaseCommandQueue", I, A);
    public static final MethodHandle clFinish = h("clFinish", I, A);
    public static final MethodHandle clFlush = h("clFlush", I, A);

    // buffers
    public static final MethodHandle clCreateBuffer = h("clCreateBuffer", A, A, L, L, A, A);
    public static final MethodHandle clReleaseMemObject = h("clReleaseMemObject", I, A);
    public static final MethodHandle clEnqueueWriteBuffer = h("clEnqueueWriteBuffer", I, A, A, I, L, L, A, I, A, A);
    public static final MethodHandle clEnqueueReadBuffer = h("clEnqueueReadBuffer", I, A, A, I, L, L, A, I, A, A);
    public static final MethodHandle clEnqueueCopyBuffer = h("clEnqueueCopyBuffer", I, A, A, A, L, L, L, I, A, A);
    public static final MethodHandle clEnqueueFillBuffer = h("clEnqueueFillBuffer", I, A, A, A, L, L, L, I, A, A);
    public static final MethodHandle clEnqueueMapBuffer = h("clEnqueueMapBuffer", A, A, A, I, L, L, L, I, A, A, A);
    public static final MethodHandle clEnqueueUnmapMemObject = h("clEnqueueUnmapMemObject", I, A, A, A, I, A, A);

    // programs and kernels
    public static final MethodHandle clCreateProgramWithSource = h("clCreateProgramWithSource", A, A, I, A, A, A);
    public static final MethodHandle clCreateProgramWithBinary = h("clCreateProgramWithBinary", A, A, I, A, A, A, A, A);
    public static final MethodHandle clBuildProgram = h("clBuildProgram", I, A, I, A, A, A, A);
    public static final MethodHandle clGetProgramBuildInfo = h("clGetProgramBuildInfo", I, A, A, I, L, A, A);
    public static final MethodHandle clGetProgramInfo = h("clGetProgramInfo", I, A, I, L, A, A);
    public static final MethodHandle clReleaseProgram = h("clReleaseProgram", I, A);
    public static final MethodHandle clCreateKernel = h("clCreateKernel", A, A, A, A);
    public static final MethodHandle clReleaseKernel = h("clReleaseKernel", I, A);
    public static final MethodHandle clSetKernelArg = h("clSetKernelArg", I, A, I, L, A);
    public static final MethodHandle clGetKernelWorkGroupInfo = h("clGetKernelWorkGroupInfo", I, A, A, I, L, A, A);
    public static final MethodHandle clEnqueueNDRangeKernel = h("clEnqueueNDRangeKernel", I, A, A, I, A, A, A, I, A, A);

    // events
    public static final MethodHandle clWaitForEvents = h("clWaitForEvents", I, I, A);
    public static final MethodHandle clReleaseEvent = h("clReleaseEvent", I, A);
    public static final MethodHandle clGetEventProfilingInfo = h("clGetEventProfilingInfo", I, A, I, L, A, A);
}
