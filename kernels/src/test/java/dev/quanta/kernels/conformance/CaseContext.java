package dev.quanta.kernels.conformance;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.DeviceBuffer;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.kernels.quant.QuantCodec;
import dev.quanta.kernels.quant.QuantCodecs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;

/**
 * What a {@link ConformanceCase} builds its graph with, once on the reference device and once on the
 * device under test: the same seed gives the same data on both. Storage tensors live in buffers with
 * {@link #GUARD} bytes of a known pattern before and after them; {@link #guardViolations()} names
 * any buffer whose guards changed during compute.
 */
public final class CaseContext {
    /** Guard bytes before and after every storage tensor (a multiple of 64 keeps the tensor aligned). */
    public static final int GUARD = 64;
    static final byte PATTERN = (byte) 0xA5;

    private final Device device;
    private final Random rnd;
    private final Graph graph = new Graph();
    private record Guarded(String name, DeviceBuffer buffer, long size) {}

    private final List<Guarded> buffers = new ArrayList<>();

    CaseContext(Device device, long seed) {
        this.device = device;
        this.rnd = new Random(seed);
    }

    public Graph graph() { return graph; }

    public Random rnd() { return rnd; }

    /** Standard normal floats. */
    public float[] randn(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }

    /** Uniform floats in [lo, hi). */
    public float[] uniform(int n, float lo, float hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * rnd.nextFloat();
        return v;
    }

    /** Uniform ints in [0, bound). */
    public int[] ints(int n, int bound) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextInt(bound);
        return v;
    }

    /** An F32 host input of standard normal values. */
    public Tensor input(String name, long... ne) {
        Tensor t = graph.input(name, GgmlType.F32, ne);
        return t.setFloats(randn((int) t.nelements()));
    }

    /**
     * An F32 host input whose values lie exactly on the 8-bit activation grid: q / 64 with q a
     * random integer in [-127, 127] and every 32-element block holding a ±127. Quantizing such a row
     * to Q8_0, Q8_1 or Q8_K (what ggml's vec_dot_type does, and what a backend may do) is lossless —
     * the scale is the power of two 1/64 — so a quantized-weight MUL_MAT is compared with the
     * reference without the activation-rounding noise, and its budget can be strict.
     */
    public Tensor q8GridInput(String name, long k, long m) {
        if (k % 32 != 0) throw new IllegalArgumentException("q8 grid rows need a multiple of 32 elements, got " + k);
        float[] v = new float[Math.toIntExact(k * m)];
        for (int b = 0; b < v.length / 32; b++) {
            for (int j = 0; j < 32; j++) v[b * 32 + j] = (rnd.nextInt(255) - 127) / 64f;
            v[b * 32 + rnd.nextInt(32)] = (rnd.nextBoolean() ? 127 : -127) / 64f;
        }
        return input(name, v, k, m);
    }

    /** An F32 host input holding {@code values}. */
    public Tensor input(String name, float[] values, long... ne) {
        return graph.input(name, GgmlType.F32, ne).setFloats(values);
    }

    /** An I32 host input holding {@code values} (1-D). */
    public Tensor inputInts(String name, int... values) {
        return graph.input(name, GgmlType.I32, values.length).setInts(values);
    }

    /**
     * Weights: seeded standard normal floats (times {@code scale}) encoded in {@code type} by its
     * reference quantizer. A decode-only type (no quantizer) gets random blocks instead, each redrawn
     * until it decodes to finite values of moderate size ({@code scale} is then not applied).
     */
    public Tensor weights(String name, GgmlType type, float scale, long... ne) {
        long n = 1;
        for (long d : ne) n *= d;
        if (!QuantCodecs.of(type).canQuantize()) return randomBlocks(name, type, n, ne);
        float[] v = randn((int) n);
        for (int i = 0; i < v.length; i++) v[i] *= scale;
        return storage(name, type, v, ne);
    }

    private Tensor randomBlocks(String name, GgmlType type, long n, long... ne) {
        QuantCodec codec = QuantCodecs.of(type);
        long blocks = n / type.blockSize;
        MemorySegment host = Arena.ofAuto().allocate(GUARD + blocks * type.typeSize + GUARD, 64);
        host.fill(PATTERN);
        byte[] block = new byte[type.typeSize];
        float[] decoded = new float[type.blockSize];
        for (long b = 0; b < blocks; b++) {
            MemorySegment at = host.asSlice(GUARD + b * type.typeSize, type.typeSize);
            for (int attempt = 0; ; attempt++) {
                if (attempt == 1000) throw new IllegalStateException("no random " + type + " block decodes to moderate values");
                rnd.nextBytes(block);
                MemorySegment.copy(MemorySegment.ofArray(block), 0, at, 0, block.length);
                codec.dequantizeRow(at, 0, decoded, 0, type.blockSize);
                float max = 0;
                boolean finite = true;
                for (float f : decoded) {
                    finite &= Float.isFinite(f);
                    max = Math.max(max, Math.abs(f));
                }
                if (finite && max > 1e-2f && max < 1e2f) break;
            }
        }
        DeviceBuffer buf = device.allocate(host.byteSize(), name);
        buf.write(0, host);
        buffers.add(new Guarded(name, buf, host.byteSize()));
        return Tensor.storage(name, type, buf, GUARD, ne);
    }

    /**
     * A storage tensor holding {@code values} encoded in {@code type}, in a device buffer with guard
     * bytes on both sides. A type without a reference quantizer makes the case a reported skip.
     */
    public Tensor storage(String name, GgmlType type, float[] values, long... ne) {
        QuantCodec codec = QuantCodecs.of(type);
        if (!codec.canQuantize()) Assumptions.abort("skipped: type " + type + " has no reference quantizer to make test data");
        long rowLen = ne[0];
        long rows = values.length / rowLen;
        long rowBytes = type.rowBytes(rowLen);
        MemorySegment host = Arena.ofAuto().allocate(GUARD + rows * rowBytes + GUARD, 64);
        host.fill(PATTERN);
        for (int r = 0; r < rows; r++) codec.quantizeRowRef(values, (int) (r * rowLen), host, GUARD + r * rowBytes, (int) rowLen);
        DeviceBuffer b = device.allocate(host.byteSize(), name);
        b.write(0, host);
        buffers.add(new Guarded(name, b, host.byteSize()));
        return Tensor.storage(name, type, b, GUARD, ne);
    }

    /** Names of the buffers whose guard bytes (before or after the tensor) were overwritten. */
    List<String> guardViolations() {
        List<String> bad = new ArrayList<>();
        byte[] expect = new byte[GUARD];
        Arrays.fill(expect, PATTERN);
        for (Guarded g : buffers) {
            byte[] head = new byte[GUARD], tail = new byte[GUARD];
            g.buffer().read(0, MemorySegment.ofArray(head));
            g.buffer().read(g.size() - GUARD, MemorySegment.ofArray(tail));
            if (!Arrays.equals(head, expect)) bad.add("'" + g.name() + "' (guard before the tensor)");
            if (!Arrays.equals(tail, expect)) bad.add("'" + g.name() + "' (guard after the tensor)");
        }
        return bad;
    }

    void close() {
        for (Guarded g : buffers) g.buffer().close();
    }
}
