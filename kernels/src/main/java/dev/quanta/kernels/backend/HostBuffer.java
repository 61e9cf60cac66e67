package dev.quanta.kernels.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/** A buffer in host memory (CPU backends and the reference backend): either owned or wrapping a segment. */
public final class HostBuffer implements DeviceBuffer {
    private final Device device;
    private final MemorySegment segment;
    private final Arena arena; // null when wrapping

    private HostBuffer(Device device, MemorySegment segment, Arena arena) {
        this.device = device;
        this.segment = segment;
        this.arena = arena;
    }

    /** A zeroed, 64-byte aligned native buffer owned by this object. */
    public static HostBuffer allocate(Device device, long bytes) {
        Arena a = Arena.ofShared();
        return new HostBuffer(device, a.allocate(Math.max(1, bytes), 64), a);
    }

    /** Wraps {@code segment} without copying; the caller keeps it alive. */
    public static HostBuffer wrap(Device device, MemorySegment segment) {
        return new HostBuffer(device, segment, null);
    }

    public MemorySegment segment() {
        return segment;
    }

    @Override public Device device() { return device; }
    @Override public long size() { return segment.byteSize(); }

    @Override
    public void write(long offset, MemorySegment src) {
        MemorySegment.copy(src, 0, segment, offset, src.byteSize());
    }

    @Override
    public void read(long offset, MemorySegment dst) {
        MemorySegment.copy(segment, offset, dst, 0, dst.byteSize());
    }

    @Override
    public Optional<MemorySegment> hostView() {
        return Optional.of(segment);
    }

    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) arena.close();
    }
}
