package dev.quanta.backend.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One kernel launch: the kernel's name in quanta.cu, its grid (gx, gy, 1) and block (bx, 1, 1), and
 * its arguments packed as the kernel reads them: each argument at its natural alignment (pointers,
 * {@code long long} and the 64-byte {@code Shape} struct at 8, {@code int}/{@code float} at 4), with
 * {@code offsets[i]} the byte offset of argument i (cuLaunchKernel's kernelParams[i] points there).
 */
record CudaLaunch(String kernel, int gx, int gy, int bx, byte[] args, int[] offsets) {

    /** Whether kernel, grid and block match (the arguments may differ). */
    boolean sameShape(CudaLaunch o) {
        return kernel.equals(o.kernel) && gx == o.gx && gy == o.gy && bx == o.bx && Arrays.equals(offsets, o.offsets);
    }

    boolean sameArgs(CudaLaunch o) {
        return Arrays.equals(args, o.args);
    }

    @Override
    public String toString() {
        return kernel + "<<<(" + gx + "," + gy + "), " + bx + ">>>(" + offsets.length + " args)";
    }

    /** Packs the arguments of one launch in kernel-signature order. */
    static final class Args {
        private ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        private int[] offsets = new int[16];
        private int count;

        private int place(int align, int size) {
            int at = (buf.position() + align - 1) & -align;
            if (at + size > buf.capacity()) {
                ByteBuffer b = ByteBuffer.allocate(2 * (at + size)).order(ByteOrder.LITTLE_ENDIAN);
                b.put(buf.flip());
                buf = b;
            }
            buf.position(at);
            if (count == offsets.length) offsets = Arrays.copyOf(offsets, 2 * count);
            offsets[count++] = at;
            return at;
        }

        /** A device pointer (CUdeviceptr, 0 for an absent optional tensor). */
        Args ptr(long devicePtr) { return i64(devicePtr); }

        Args i64(long v) {
            place(8, 8);
            buf.putLong(v);
            return this;
        }

        Args i32(int v) {
            place(4, 4);
            buf.putInt(v);
            return this;
        }

        Args f32(float v) {
            place(4, 4);
            buf.putFloat(v);
            return this;
        }

        /** {@code struct Shape { long long ne[4]; long long nb[4]; }} by value; null = ne 1, nb 0. */
        Args shape(dev.quanta.kernels.graph.Tensor t) {
            place(8, 64);
            for (int i = 0; i < 4; i++) buf.putLong(t == null ? 1 : t.ne(i));
            for (int i = 0; i < 4; i++) buf.putLong(t == null ? 0 : t.nb(i));
            return this;
        }

        CudaLaunch launch(String kernel, long gx, long gy, int bx) {
            if (gx < 1 || gy < 1 || gx > Integer.MAX_VALUE || gy > 65535)
                throw new dev.quanta.kernels.backend.BackendException("CUDA " + kernel + ": grid " + gx + " x " + gy + " out of range");
            return new CudaLaunch(kernel, (int) gx, (int) gy, bx, Arrays.copyOf(buf.array(), buf.position()), Arrays.copyOf(offsets, count));
        }
    }
}
