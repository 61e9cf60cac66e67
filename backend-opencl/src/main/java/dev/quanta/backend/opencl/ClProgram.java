package dev.quanta.backend.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.quanta.backend.opencl.ffm.ClConst;
import dev.quanta.backend.opencl.ffm.OpenCl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/** A built program for one device. A failed build throws {@link ClException.BuildFailure} with the log. */
public final class ClProgram implements AutoCloseable {
    private final ClContext context;
    private final boolean fromBinary;
    private MemorySegment handle;

    private ClProgram(ClContext context, MemorySegment handle, boolean fromBinary) {
        this.context = context;
        this.handle = handle;
        this.fromBinary = fromBinary;
    }

    /** Compiles {@code source} with {@code options} for the context's device. */
    public static ClProgram fromSource(ClContext ctx, String source, String options) {
        MemorySegment h;
        try (Arena a = Arena.ofConfined()) {
            byte[] bytes = source.getBytes(StandardCharsets.UTF_8);
            MemorySegment text = a.allocate(bytes.length + 1L);
            MemorySegment.copy(bytes, 0, text, JAVA_BYTE, 0, bytes.length);
            MemorySegment strings = a.allocate(ADDRESS);
            strings.set(ADDRESS, 0, text);
            MemorySegment lengths = a.allocate(JAVA_LONG);
            lengths.set(JAVA_LONG, 0, bytes.length);
            MemorySegment err = a.allocate(JAVA_INT);
            h = (MemorySegment) OpenCl.clCreateProgramWithSource.invokeExact(ctx.handle(), 1, strings, lengths, err);
            Cl.checkErr(err, "clCreateProgramWithSource");
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
        ClProgram p = new ClProgram(ctx, h, false);
        p.build(options);
        return p;
    }

    /** Loads a binary returned by {@link #binary()} on the same device and driver, and builds it. */
    public static ClProgram fromBinary(ClContext ctx, byte[] binary, String options) {
        MemorySegment h;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment devs = a.allocate(ADDRESS);
            devs.set(ADDRESS, 0, ctx.device().handle());
            MemorySegment lengths = a.allocate(JAVA_LONG);
            lengths.set(JAVA_LONG, 0, binary.length);
            MemorySegment bin = a.allocate(binary.length);
            MemorySegment.copy(binary, 0, bin, JAVA_BYTE, 0, binary.length);
            MemorySegment bins = a.allocate(ADDRESS);
            bins.set(ADDRESS, 0, bin);
            MemorySegment status = a.allocate(JAVA_INT);
            MemorySegment err = a.allocate(JAVA_INT);
            h = (MemorySegment) OpenCl.clCreateProgramWithBinary.invokeExact(ctx.handle(), 1, devs, lengths, bins, status, err);
            Cl.checkErr(err, "clCreateProgramWithBinary");
            ClException.check(status.get(JAVA_INT, 0), "clCreateProgramWithBinary");
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
        ClProgram p = new ClProgram(ctx, h, true);
        try {
            p.build(options);
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    private void build(String options) {
        int rc;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment devs = a.allocate(ADDRESS);
            devs.set(ADDRESS, 0, context.device().handle());
            rc = (int) OpenCl.clBuildProgram.invokeExact(handle, 1, devs, a.allocateFrom(options == null ? "" : options),
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
        if (rc != 0) {
            String log;
            try {
                log = buildLog();
            } catch (RuntimeException e) {
                log = "(no build log: " + e.getMessage() + ")";
            }
            close();
            throw new ClException.BuildFailure(rc, context.device().name(), log);
        }
    }

    /** The compiler's log for this program on its device. */
    public String buildLog() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            MemorySegment dev = context.device().handle();
            ClException.check((int) OpenCl.clGetProgramBuildInfo.invokeExact(handle, dev, ClConst.CL_PROGRAM_BUILD_LOG, 0L,
                    MemorySegment.NULL, size), "clGetProgramBuildInfo");
            long n = size.get(JAVA_LONG, 0);
            if (n <= 1) return "";
            MemorySegment buf = a.allocate(n);
            ClException.check((int) OpenCl.clGetProgramBuildInfo.invokeExact(handle, dev, ClConst.CL_PROGRAM_BUILD_LOG, n,
                    buf, MemorySegment.NULL), "clGetProgramBuildInfo");
            return Cl.cString(buf);
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
    }

    /** The device binary (CL_PROGRAM_BINARIES) for caching; empty when the driver gives none. */
    public byte[] binary() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            ClException.check((int) OpenCl.clGetProgramInfo.invokeExact(handle(), ClConst.CL_PROGRAM_BINARY_SIZES, 8L, size,
                    MemorySegment.NULL), "clGetProgramInfo(CL_PROGRAM_BINARY_SIZES)");
            long n = size.get(JAVA_LONG, 0);
            if (n <= 0) return new byte[0];
            if (n > Integer.MAX_VALUE - 8) throw new ClException("clGetProgramInfo(CL_PROGRAM_BINARY_SIZES)", -30);
            MemorySegment bin = a.allocate(n);
            MemorySegment ptrs = a.allocate(ADDRESS);
            ptrs.set(ADDRESS, 0, bin);
            ClException.check((int) OpenCl.clGetProgramInfo.invokeExact(handle(), ClConst.CL_PROGRAM_BINARIES,
                    ADDRESS.byteSize(), ptrs, MemorySegment.NULL), "clGetProgramInfo(CL_PROGRAM_BINARIES)");
            return bin.toArray(JAVA_BYTE);
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        }
    }

    /** True when this program was loaded from a cached binary rather than compiled from source. */
    public boolean fromBinary() {
        return fromBinary;
    }

    public ClContext context() {
        return context;
    }

    public MemorySegment handle() {
        if (handle == null) throw new IllegalStateException("OpenCL program is closed");
        return handle;
    }

    @Override
    public void close() {
        if (handle == null) return;
        try {
            ClException.check((int) OpenCl.clReleaseProgram.invokeExact(handle), "clReleaseProgram");
        } catch (Throwable t) {
            throw Cl.rethrow(t);
        } finally {
            handle = null;
        }
    }
}
