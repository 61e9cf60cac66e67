package dev.quanta.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.quanta.backend.cuda.ffm.CudaDriver;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Error checking for every driver call: maps a CUresult to its symbolic name and text. */
final class Cuda {
    private Cuda() {}

    static final int CUDA_SUCCESS = 0;

    /** Throws a {@link CudaException} naming {@code call} when {@code code} is not CUDA_SUCCESS. */
    static void check(int code, String call) {
        if (code != CUDA_SUCCESS) throw new CudaException(call, code, errorName(code), errorString(code));
    }

    static String errorName(int code) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            int r = (int) CudaDriver.cuGetErrorName.invokeExact(code, p);
            if (r != 0) return "CUDA_ERROR_" + code;
            return p.get(ADDRESS, 0).reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "CUDA_ERROR_" + code;
        }
    }

    static String errorString(int code) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            int r = (int) CudaDriver.cuGetErrorString.invokeExact(code, p);
            if (r != 0) return null;
            return p.get(ADDRESS, 0).reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return null;
        }
    }

    /** Runs a downcall, rethrowing the impossible Throwable of invokeExact as an Error. */
    static int call(ThrowingCall c) {
        try {
            return c.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @FunctionalInterface
    interface ThrowingCall {
        int run() throws Throwable;
    }

    static int getInt(MemorySegment seg) {
        return seg.get(JAVA_INT, 0);
    }
}
