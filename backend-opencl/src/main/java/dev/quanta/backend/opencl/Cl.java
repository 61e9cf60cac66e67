package dev.quanta.backend.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * Helpers shared by the owners: info queries through the {@code clGetXxxInfo} pattern (size query,
 * then value) in confined arenas, and the rethrow of the {@code Throwable} that
 * {@code invokeExact} declares.
 */
final class Cl {
    private Cl() {}

    /** Wraps what invokeExact declares; OpenCL downcalls do not throw checked exceptions. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** A string property of a platform or device (handle {@code h}) through {@code fn}, which has the (A, I, L, A, A) shape. */
    static String infoString(MethodHandle fn, String call, MemorySegment h, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            ClException.check((int) fn.invokeExact(h, param, 0L, MemorySegment.NULL, size), call);
            long n = size.get(JAVA_LONG, 0);
            if (n <= 0) return "";
            MemorySegment buf = a.allocate(n);
            ClException.check((int) fn.invokeExact(h, param, n, buf, MemorySegment.NULL), call);
            return cString(buf);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A scalar property of {@code bytes} (4 or 8) bytes, widened to long (cl_uint is read unsigned). */
    static long infoLong(MethodHandle fn, String call, MemorySegment h, int param, int bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(8);
            ClException.check((int) fn.invokeExact(h, param, (long) bytes, v, MemorySegment.NULL), call);
            return bytes == 8 ? v.get(JAVA_LONG, 0) : Integer.toUnsignedLong(v.get(JAVA_INT, 0));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A pointer-valued property (e.g. CL_DEVICE_PLATFORM). */
    static MemorySegment infoPointer(MethodHandle fn, String call, MemorySegment h, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            ClException.check((int) fn.invokeExact(h, param, ADDRESS.byteSize(), v, MemorySegment.NULL), call);
            return v.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The text up to the first NUL of {@code buf}. */
    static String cString(MemorySegment buf) {
        long n = 0;
        while (n < buf.byteSize() && buf.get(JAVA_BYTE, n) != 0) n++;
        return new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8).strip();
    }

    /** The checked value of an errcode out-parameter. */
    static void checkErr(MemorySegment err, String call) {
        ClException.check(err.get(JAVA_INT, 0), call);
    }
}
