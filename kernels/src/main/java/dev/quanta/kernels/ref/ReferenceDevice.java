package dev.quanta.kernels.ref;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.DeviceBuffer;
import dev.quanta.kernels.backend.DeviceKind;
import dev.quanta.kernels.backend.HostBuffer;
import dev.quanta.kernels.backend.Stream;
import dev.quanta.kernels.graph.Op;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.kernels.quant.QuantCodecs;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The one host device of the {@link ReferenceBackend}: buffers are {@link HostBuffer}s, streams
 * run graphs synchronously with {@link ReferenceOps}. It supports every op for every type that has
 * a codec in {@link QuantCodecs} (and, for SET_ROWS and CPY destinations, a reference quantizer).
 */
public final class ReferenceDevice implements Device {
    private final List<HostBuffer> owned = new ArrayList<>();
    private volatile boolean closed;

    ReferenceDevice() {}

    @Override public String name() { return "reference (scalar Java)"; }
    @Override public String backend() { return ReferenceBackend.NAME; }
    @Override public DeviceKind kind() { return DeviceKind.CPU; }

    @Override
    public long totalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
            return os.getTotalMemorySize();
        return Runtime.getRuntime().maxMemory();
    }

    @Override
    public long freeMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
            return os.getFreeMemorySize();
        return Runtime.getRuntime().freeMemory();
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public boolean supports(Tensor node) {
        return unsupportedReason(node) == null;
    }

    /** Why {@code node} cannot run here, or null when it can. */
    static String unsupportedReason(Tensor node) {
        Tensor a = node.src(0);
        return switch (node.op()) {
            case NONE, VIEW -> null;
            case GET_ROWS -> !decodable(a.type()) ? "no codec for table type " + a.type()
                    : !is2d(a) ? "table must be 2-D" : null;
            case MUL_MAT -> !decodable(a.type()) ? "no codec for weight type " + a.type() : null;
            case ATTENTION -> {
                Tensor k = node.src(1), v = node.src(2);
                if (!decodable(k.type()) || !decodable(v.type())) yield "no codec for K/V type " + k.type() + "/" + v.type();
                yield is2d(k) && is2d(v) ? null : "K and V must be 2-D cache views";
            }
            case SET_ROWS -> !encodable(a.type()) ? "no reference quantizer for destination type " + a.type()
                    : !is2d(a) ? "destination must be 2-D" : null;
            case CPY -> a.type() == node.type() && !a.type().isRetired() ? null
                    : !decodable(a.type()) ? "no codec for source type " + a.type()
                    : !encodable(node.type()) ? "no reference quantizer for type " + node.type() : null;
            default -> {
                for (int i = 0; i < node.srcCount(); i++) {
                    Tensor s = node.src(i);
                    if (s != null && s.type() != GgmlType.F32 && s.type() != GgmlType.I32)
                        yield "source " + s.name() + " is " + s.type() + ", expected F32 or I32";
                }
                yield null;
            }
        };
    }

    private static boolean decodable(GgmlType t) {
        return QuantCodecs.supported(t);
    }

    private static boolean encodable(GgmlType t) {
        return QuantCodecs.supported(t) && QuantCodecs.of(t).canQuantize();
    }

    private static boolean is2d(Tensor t) {
        return t.ne(2) == 1 && t.ne(3) == 1;
    }

    @Override
    public synchronized DeviceBuffer allocate(long bytes, String label) {
        if (closed) throw new IllegalStateException("reference device is closed (allocating '" + label + "')");
        if (bytes < 0) throw new IllegalArgumentException("negative size " + bytes + " for buffer '" + label + "'");
        owned.removeIf(o -> !o.segment().scope().isAlive()); // forget buffers their users closed
        HostBuffer b = HostBuffer.allocate(this, bytes);
        owned.add(b);
        return b;
    }

    @Override
    public DeviceBuffer wrapHost(MemorySegment host, String label) {
        if (closed) throw new IllegalStateException("reference device is closed (wrapping '" + label + "')");
        return HostBuffer.wrap(this, host);
    }

    @Override
    public Stream openStream() {
        if (closed) throw new IllegalStateException("reference device is closed");
        return new ReferenceStream(this);
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (HostBuffer b : owned) b.close();
        owned.clear();
    }

    @Override
    public String toString() {
        return name();
    }
}
