package dev.quanta.kernels.quant;

import dev.quanta.kernels.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Base of the block-quantized codecs: walks a row block by block, copying each block's bytes to or
 * from a small buffer so that a subclass only decodes or encodes one block as a byte array
 * (little-endian, laid out exactly as ggml's {@code block_*} struct).
 */
abstract class BlockCodec implements QuantCodec {
    private final GgmlType type;
    final int qk;
    final int bytes;

    BlockCodec(GgmlType type) {
        this.type = type;
        this.qk = type.blockSize;
        this.bytes = type.typeSize;
    }

    @Override
    public final GgmlType type() {
        return type;
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** Decodes one block {@code b[0..bytes)} into {@code y[yo..yo+qk)}. */
    abstract void decodeBlock(byte[] b, float[] y, int yo);

    /**
     * Encodes {@code x[xo..xo+qk)} into {@code b[0..bytes)}, which arrives zeroed; {@code s} is
     * scratch space shared by the blocks of one call.
     */
    abstract void encodeBlock(float[] x, int xo, byte[] b, Scratch s);

    @Override
    public final void dequantizeRow(MemorySegment src, long off, float[] dst, int dstOff, int n) {
        int nb = blocks(n);
        byte[] b = new byte[bytes];
        for (int i = 0; i < nb; i++) {
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, off + (long) i * bytes, b, 0, bytes);
            decodeBlock(b, dst, dstOff + i * qk);
        }
    }

    @Override
    public final void quantizeRowRef(float[] src, int srcOff, MemorySegment dst, long off, int n) {
        if (!canQuantize()) throw new UnsupportedOperationException("no reference quantizer for " + type.ggmlName() + " (dequantize only)");
        int nb = blocks(n);
        byte[] b = new byte[bytes];
        Scratch s = new Scratch();
        for (int i = 0; i < nb; i++) {
            Arrays.fill(b, (byte) 0);
            encodeBlock(src, srcOff + i * qk, b, s);
            MemorySegment.copy(b, 0, dst, ValueLayout.JAVA_BYTE, off + (long) i * bytes, bytes);
        }
    }

    private int blocks(int n) {
        if (n < 0 || n % qk != 0)
            throw new IllegalArgumentException(n + " elements is not a multiple of the " + type.ggmlName() + " block size " + qk);
        return n / qk;
    }

    /** Per-call scratch of the K-quant encoders (under 1 KiB). */
    static final class Scratch {
        final byte[] L = new byte[GgmlType.QK_K];
        final byte[] Laux = new byte[32];
        final float[] weights = new float[32];
        final float[] scales = new float[GgmlType.QK_K / 16];
        final float[] mins = new float[GgmlType.QK_K / 16];
        float maxMin;
    }

    // ---- little-endian field access on a block buffer ----

    static int u8(byte[] b, int i) {
        return b[i] & 0xff;
    }

    static float f16(byte[] b, int i) {
        return FloatCodecs.h2f((short) ((b[i] & 0xff) | (b[i + 1] << 8)));
    }

    static void putF16(byte[] b, int i, float v) {
        short h = FloatCodecs.f2h(v);
        b[i] = (byte) h;
        b[i + 1] = (byte) (h >> 8);
    }

    static int u32(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24;
    }

    static void putU32(byte[] b, int i, int v) {
        b[i] = (byte) v;
        b[i + 1] = (byte) (v >> 8);
        b[i + 2] = (byte) (v >> 16);
        b[i + 3] = (byte) (v >> 24);
    }

    /** The largest-magnitude element of x[o..o+n), sign kept (first one wins ties), as ggml picks it. */
    static float signedAbsMax(float[] x, int o, int n) {
        float amax = 0, max = 0;
        for (int j = 0; j < n; j++) {
            float v = x[o + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }
}
