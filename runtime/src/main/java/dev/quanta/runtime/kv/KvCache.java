package dev.quanta.runtime.kv;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.DeviceBuffer;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.runtime.QuantaException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * The K and V cache of every layer, on the device: per layer one K tensor [kRow, nCells] and one
 * V tensor [vRow, nCells] (a row per cell, kRow = headDimK * nHeadKv), in F16 (default), F32 or Q8_0.
 * The graph writes a batch's rows with SET_ROWS at the cells {@link KvCells} chose, then attention
 * reads the first {@code nKv} rows. Each layer's K and V live on that layer's device (with a
 * model split across devices, on the device that computes the layer).
 */
public final class KvCache implements AutoCloseable {
    /** Cache types the ATTENTION and SET_ROWS ops accept. */
    public static final Set<GgmlType> TYPES = Set.of(GgmlType.F16, GgmlType.F32, GgmlType.Q8_0);

    private final GgmlType type;
    private final int nCells;
    private final KvCells cells;
    private final Tensor[] k;
    private final Tensor[] v;
    private final List<DeviceBuffer> buffers = new ArrayList<>();

    public KvCache(Device device, GgmlType type, int nLayer, int nCells, int kRow, int vRow) {
        this(l -> device, type, nLayer, nCells, kRow, vRow);
    }

    /** A cache whose layer {@code l} is allocated on {@code deviceOfLayer.apply(l)}. */
    public KvCache(IntFunction<Device> deviceOfLayer, GgmlType type, int nLayer, int nCells, int kRow, int vRow) {
        if (!TYPES.contains(type))
            throw new QuantaException("KV cache type " + type.ggmlName() + " is not supported (use f16, f32 or q8_0)");
        if (type.isQuantized() && (kRow % type.blockSize != 0 || vRow % type.blockSize != 0))
            throw new QuantaException("KV cache type " + type.ggmlName() + " needs rows that are multiples of "
                    + type.blockSize + "; this model's K/V rows are " + kRow + " and " + vRow + " (use f16)");
        this.type = type;
        this.nCells = nCells;
        this.cells = new KvCells(nCells);
        this.k = new Tensor[nLayer];
        this.v = new Tensor[nLayer];
        try {
            for (int l = 0; l < nLayer; l++) {
                Device device = deviceOfLayer.apply(l);
                DeviceBuffer kb = device.allocate(type.rowBytes(kRow) * nCells, "KV cache K layer " + l);
                buffers.add(kb);
                DeviceBuffer vb = device.allocate(type.rowBytes(vRow) * nCells, "KV cache V layer " + l);
                buffers.add(vb);
                k[l] = Tensor.storage("cache_k_l" + l, type, kb, 0, kRow, nCells);
                v[l] = Tensor.storage("cache_v_l" + l, type, vb, 0, vRow, nCells);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Bytes the cache takes for the given shape (for a memory estimate before allocating). */
    public static long bytes(GgmlType type, int nLayer, int nCells, int kRow, int vRow) {
        return (type.rowBytes(kRow) + type.rowBytes(vRow)) * (long) nCells * nLayer;
    }

    public GgmlType type() { return type; }
    public int size() { return nCells; }
    public KvCells cells() { return cells; }

    /** Graph: writes the rows of {@code kCur} [kRow, nTok] and {@code vCur} [vRow, nTok] of layer {@code l} at {@code cellIdx}. */
    public void store(Graph g, int l, Tensor kCur, Tensor vCur, Tensor cellIdx) {
        g.setRows(k[l], kCur, cellIdx);
        g.setRows(v[l], vCur, cellIdx);
    }

    /** Graph: the first {@code nKv} cells of layer {@code l}'s K, [kRow, nKv]. */
    public Tensor keys(Graph g, int l, int nKv) {
        return g.rows(k[l], 0, nKv);
    }

    /** Graph: the first {@code nKv} cells of layer {@code l}'s V, [vRow, nKv]. */
    public Tensor values(Graph g, int l, int nKv) {
        return g.rows(v[l], 0, nKv);
    }

    /** The K storage of layer {@code l} (tests read it back). */
    public Tensor kStorage(int l) { return k[l]; }

    public Tensor vStorage(int l) { return v[l]; }

    @Override
    public void close() {
        for (DeviceBuffer b : buffers) b.close();
        buffers.clear();
    }
}
