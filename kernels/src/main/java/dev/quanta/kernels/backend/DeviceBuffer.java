package dev.quanta.kernels.backend;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/** Memory owned by a {@link Device}. */
public interface DeviceBuffer extends AutoCloseable {
    Device device();

    long size();

    /** Copies {@code src} into this buffer at {@code offset} (synchronously). */
    void write(long offset, MemorySegment src);

    /** Copies {@code dst.byteSize()} bytes from {@code offset} into {@code dst} (synchronously). */
    void read(long offset, MemorySegment dst);

    /** The bytes as a host segment when the device shares host memory (CPU, mmap); empty otherwise. */
    Optional<MemorySegment> hostView();

    @Override
    void close();
}
