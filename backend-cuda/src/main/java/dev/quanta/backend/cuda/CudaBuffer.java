package dev.quanta.backend.cuda;

import dev.quanta.backend.cuda.ffm.CudaDriver;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.DeviceBuffer;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/** Device memory from cuMemAlloc; freed on close. */
final class CudaBuffer implements DeviceBuffer {
    private final CudaDevice device;
    private final long ptr;
    private final long size;
    private boolean closed;

    CudaBuffer(CudaDevice device, long ptr, long size) {
        this.device = device;
        this.ptr = ptr;
        this.size = size;
    }

    long ptr() {
        if (closed) throw new IllegalStateException("CUDA buffer already closed");
        return ptr;
    }

    @Override public Device device() { return device; }
    @Override public long size() { return size; }

    @Override
    public void write(long offset, MemorySegment src) {
        check(offset, src.byteSize());
        device.makeCurrent();
        MemorySegment host = device.staging(src);
        Cuda.check(Cuda.call(() -> (int) CudaDriver.cuMemcpyHtoD.invokeExact(ptr + offset, host, src.byteSize())), "cuMemcpyHtoD");
    }

    @Override
    public void read(long offset, MemorySegment dst) {
        check(offset, dst.byteSize());
        device.makeCurrent();
        if (dst.isNative()) {
            Cuda.check(Cuda.call(() -> (int) CudaDriver.cuMemcpyDtoH.invokeExact(dst, ptr + offset, dst.byteSize())), "cuMemcpyDtoH");
        } else {
            try (var a = java.lang.foreign.Arena.ofConfined()) {
                MemorySegment tmp = a.allocate(dst.byteSize(), 64);
                Cuda.check(Cuda.call(() -> (int) CudaDriver.cuMemcpyDtoH.invokeExact(tmp, ptr + offset, dst.byteSize())), "cuMemcpyDtoH");
                MemorySegment.copy(tmp, 0, dst, 0, dst.byteSize());
            }
        }
    }

    private void check(long offset, long n) {
        if (offset < 0 || n < 0 || offset + n > size)
            throw new IndexOutOfBoundsException("CUDA buffer of " + size + " bytes: access of " + n + " bytes at " + offset);
    }

    @Override
    public Optional<MemorySegment> hostView() {
        return Optional.empty();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        device.makeCurrent();
        Cuda.check(Cuda.call(() -> (int) CudaDriver.cuMemFree.invokeExact(ptr)), "cuMemFree");
    }
}
