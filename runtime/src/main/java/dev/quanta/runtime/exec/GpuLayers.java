package dev.quanta.runtime.exec;

import dev.quanta.runtime.QuantaException;

/**
 * How many transformer layers go on the GPU device ({@code --gpu-layers}, llama.cpp's {@code -ngl}):
 * {@link #ALL} (the default), {@link #AUTO} (as many as the device's free memory holds, see
 * {@link OffloadPlanner}), or a count; the rest run on the CPU backend. A count above the model's
 * layer count means all of them.
 *
 * @param count layers asked for, or -1 for all, -2 for auto
 */
public record GpuLayers(int count) {
    public static final GpuLayers ALL = new GpuLayers(-1);
    public static final GpuLayers AUTO = new GpuLayers(-2);

    public GpuLayers {
        if (count < -2) throw new IllegalArgumentException("gpu layers must be >= 0, -1 (all) or -2 (auto), got " + count);
    }

    public static GpuLayers of(int n) {
        if (n < 0) throw new IllegalArgumentException("gpu layers must be >= 0, got " + n);
        return new GpuLayers(n);
    }

    /** "auto", "all" (or -1) or a layer count; anything else is a one-line error naming the value. */
    public static GpuLayers parse(String s) {
        String v = s == null ? "" : s.trim();
        if (v.equalsIgnoreCase("auto")) return AUTO;
        if (v.equalsIgnoreCase("all") || v.equals("-1")) return ALL;
        try {
            int n = Integer.parseInt(v);
            if (n >= 0) return new GpuLayers(n);
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new QuantaException("--gpu-layers " + s + ": expected a layer count (0 or more), 'all' or 'auto'");
    }

    public boolean isAll() { return count == -1; }
    public boolean isAuto() { return count == -2; }

    /** The layer count for a model of {@code nLayer} layers, when not auto. */
    public int resolve(int nLayer) {
        if (isAuto()) throw new IllegalStateException("auto is resolved by OffloadPlanner");
        return isAll() ? nLayer : Math.min(count, nLayer);
    }

    @Override
    public String toString() {
        return isAll() ? "all" : isAuto() ? "auto" : Integer.toString(count);
    }
}
