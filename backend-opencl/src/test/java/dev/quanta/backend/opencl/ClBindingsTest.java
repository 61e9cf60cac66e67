package dev.quanta.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.backend.opencl.ffm.ClConst;
import dev.quanta.backend.opencl.ffm.ClStatus;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The FFM layer against a real driver (PoCL in CI): info queries, transfers, a kernel, errors, the program cache. */
class ClBindingsTest {
    static ClDevice device;
    static ClContext ctx;
    static ClQueue queue;

    @BeforeAll
    static void open() {
        device = TestDevices.requireDevice();
        ctx = new ClContext(device);
        queue = new ClQueue(ctx, true);
    }

    @AfterAll
    static void close() {
        if (queue != null) queue.close();
        if (ctx != null) ctx.close();
    }

    @Test
    void deviceProperties() {
        assertFalse(device.name().isBlank());
        assertTrue(device.computeUnits() > 0);
        assertTrue(device.globalMemSize() > 0);
        assertTrue(device.maxAllocSize() > 0 && device.maxAllocSize() <= device.globalMemSize());
        assertTrue(device.version().startsWith("OpenCL "), device.version());
    }

    @Test
    void statusNames() {
        assertEquals("CL_INVALID_VALUE", ClStatus.name(-30));
        assertEquals("CL_INVALID_KERNEL_NAME", ClStatus.name(-46));
        assertEquals("CL_OUT_OF_RESOURCES", ClStatus.name(-5));
        assertEquals("CL_UNKNOWN_ERROR(-999)", ClStatus.name(-999));
    }

    @Test
    void writeReadCopyFill() {
        try (ClBuffer a = new ClBuffer(ctx, ClConst.CL_MEM_READ_WRITE, 64, MemorySegment.NULL);
             ClBuffer b = new ClBuffer(ctx, ClConst.CL_MEM_READ_WRITE, 64, MemorySegment.NULL)) {
            byte[] src = new byte[64];
            for (int i = 0; i < 64; i++) src[i] = (byte) (i * 7 + 1);
            queue.write(a, 0, MemorySegment.ofArray(src));
            queue.copy(a, 8, b, 0, 32);
            queue.zero(b, 32, 32);
            byte[] out = new byte[64];
            queue.read(b, 0, MemorySegment.ofArray(out));
            for (int i = 0; i < 32; i++) assertEquals(src[8 + i], out[i]);
            for (int i = 32; i < 64; i++) assertEquals(0, out[i]);
            assertThrows(IndexOutOfBoundsException.class, () -> queue.read(a, 40, MemorySegment.ofArray(new byte[32])));
        }
    }

    @Test
    void kernelRunsAndErrorsAreNamed() {
        String src = "kernel void axpy(global float* y, global const float* x, float a) { int i = get_global_id(0); y[i] += a * x[i]; }";
        try (ClProgram p = ClProgram.fromSource(ctx, src, "");
             ClKernel k = new ClKernel(p, "axpy");
             ClBuffer y = new ClBuffer(ctx, ClConst.CL_MEM_READ_WRITE, 16 * 4, MemorySegment.NULL);
             ClBuffer x = new ClBuffer(ctx, ClConst.CL_MEM_READ_WRITE, 16 * 4, MemorySegment.NULL)) {
            float[] xs = new float[16], ys = new float[16], want = new float[16];
            for (int i = 0; i < 16; i++) { xs[i] = i; ys[i] = 1; want[i] = 1 + 2f * i; }
            queue.write(x, 0, MemorySegment.ofArray(xs));
            queue.write(y, 0, MemorySegment.ofArray(ys));
            k.arg(0, y).arg(1, x).arg(2, 2f);
            try (ClEvent ev = queue.launch(k, new long[] {16}, new long[] {4}, true)) {
                assertTrue(ev.elapsedNanos() >= 0);
            }
            float[] out = new float[16];
            queue.read(y, 0, MemorySegment.ofArray(out));
            assertArrayEquals(want, out);

            ClException e = assertThrows(ClException.class, () -> new ClKernel(p, "nope"));
            assertEquals("CL_INVALID_KERNEL_NAME", e.status());
            assertTrue(e.getMessage().contains("clCreateKernel(nope)"), e.getMessage());
        }
    }

    @Test
    void buildFailureCarriesTheLog() {
        ClException.BuildFailure e = assertThrows(ClException.BuildFailure.class,
                () -> ClProgram.fromSource(ctx, "kernel void broken(global float* y) { y[0] = undefined_name; }", ""));
        assertEquals("CL_BUILD_PROGRAM_FAILURE", e.status());
        assertTrue(e.buildLog().contains("undefined_name"), e.buildLog());
        assertTrue(e.getMessage().contains("undefined_name"), e.getMessage());
    }

    @Test
    void programCacheSkipsTheSecondCompile() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "clcache");
        ProgramCache cache = new ProgramCache(dir);
        String src = "kernel void twice(global float* y) { y[get_global_id(0)] *= 2.0f; } // " + System.nanoTime();
        try (ClProgram first = cache.build(ctx, src, "")) {
            assertFalse(first.fromBinary());
        }
        try (var files = Files.list(dir)) {
            assertEquals(1, files.filter(f -> f.toString().endsWith(".bin")).count());
        }
        try (ClProgram second = cache.build(ctx, src, "");
             ClKernel k = new ClKernel(second, "twice");
             ClBuffer y = new ClBuffer(ctx, ClConst.CL_MEM_READ_WRITE, 16, MemorySegment.NULL)) {
            assertTrue(second.fromBinary(), "second build must load the cached binary");
            queue.write(y, 0, MemorySegment.ofArray(new float[] {1, 2, 3, 4}));
            k.arg(0, y);
            queue.launch(k, new long[] {4}, null);
            float[] out = new float[4];
            queue.read(y, 0, MemorySegment.ofArray(out));
            assertArrayEquals(new float[] {2, 4, 6, 8}, out);
        }
    }
}
