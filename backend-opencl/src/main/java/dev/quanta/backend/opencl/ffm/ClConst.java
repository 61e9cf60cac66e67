package dev.quanta.backend.opencl.ffm;

/** The OpenCL constants this backend uses (values from Khronos {@code cl.h}). */
public final class ClConst {
    private ClConst() {}

    public static final int CL_SUCCESS = 0;
    public static final int CL_TRUE = 1, CL_FALSE = 0;

    // cl_device_type
    public static final long CL_DEVICE_TYPE_DEFAULT = 1, CL_DEVICE_TYPE_CPU = 2, CL_DEVICE_TYPE_GPU = 4,
            CL_DEVICE_TYPE_ACCELERATOR = 8, CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;

    // cl_platform_info
    public static final int CL_PLATFORM_PROFILE = 0x0900, CL_PLATFORM_VERSION = 0x0901, CL_PLATFORM_NAME = 0x0902,
            CL_PLATFORM_VENDOR = 0x0903, CL_PLATFORM_EXTENSIONS = 0x0904;

    // cl_device_info
    public static final int CL_DEVICE_TYPE = 0x1000, CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002,
            CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004, CL_DEVICE_MAX_CLOCK_FREQUENCY = 0x100C,
            CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010, CL_DEVICE_MEM_BASE_ADDR_ALIGN = 0x1019,
            CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F, CL_DEVICE_LOCAL_MEM_TYPE = 0x1022, CL_DEVICE_LOCAL_MEM_SIZE = 0x1023,
            CL_DEVICE_NAME = 0x102B, CL_DEVICE_VENDOR = 0x102C, CL_DRIVER_VERSION = 0x102D,
            CL_DEVICE_VERSION = 0x102F, CL_DEVICE_EXTENSIONS = 0x1030, CL_DEVICE_PLATFORM = 0x1031,
            CL_DEVICE_HOST_UNIFIED_MEMORY = 0x1035, CL_DEVICE_OPENCL_C_VERSION = 0x103D;

    // cl_context_properties
    public static final long CL_CONTEXT_PLATFORM = 0x1084;

    // cl_command_queue_properties
    public static final long CL_QUEUE_PROFILING_ENABLE = 2;

    // cl_mem_flags
    public static final long CL_MEM_READ_WRITE = 1, CL_MEM_WRITE_ONLY = 2, CL_MEM_READ_ONLY = 4,
            CL_MEM_USE_HOST_PTR = 8, CL_MEM_ALLOC_HOST_PTR = 16, CL_MEM_COPY_HOST_PTR = 32;

    // cl_map_flags
    public static final long CL_MAP_READ = 1, CL_MAP_WRITE = 2;

    // cl_program_info / cl_program_build_info
    public static final int CL_PROGRAM_NUM_DEVICES = 0x1162, CL_PROGRAM_DEVICES = 0x1163,
            CL_PROGRAM_BINARY_SIZES = 0x1165, CL_PROGRAM_BINARIES = 0x1166;
    public static final int CL_PROGRAM_BUILD_STATUS = 0x1181, CL_PROGRAM_BUILD_LOG = 0x1183;

    // cl_kernel_work_group_info
    public static final int CL_KERNEL_WORK_GROUP_SIZE = 0x11B0, CL_KERNEL_LOCAL_MEM_SIZE = 0x11B2,
            CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE = 0x11B3;

    // cl_profiling_info
    public static final int CL_PROFILING_COMMAND_START = 0x1282, CL_PROFILING_COMMAND_END = 0x1283;
}
