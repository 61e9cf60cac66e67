package dev.quanta.runtime.exec;

import dev.quanta.kernels.backend.Device;
import dev.quanta.runtime.model.ModelWeights;
import java.util.List;
import java.util.function.Predicate;

/**
 * Which device computes which layers (partial GPU offload, llama.cpp's {@code -ngl}): consecutive
 * segments of layers, each on one device with the weights placed there. The first segment also
 * computes the token embeddings, the last one the output norm and projection. One segment is the
 * usual unsplit model; with {@code --gpu-layers N} (0 &lt; N &lt; nLayer) the layers [0, N) run on the
 * GPU device and [N, nLayer) plus the output on the CPU backend. {@link InferenceContext} runs one
 * graph per segment and hands the hidden state [nEmbd, nTok] from each to the next.
 *
 * @param segments consecutive, covering [0, nLayer]
 * @param nLayer   the model's layer count
 */
public record LayerSplit(List<Segment> segments, int nLayer) {

    /**
     * Layers [from, to) on {@code device}; {@code weights} is the model as seen from that device
     * (its own layers, and the shared tensors it needs: RoPE factors, embeddings, output).
     */
    public record Segment(Device device, ModelWeights weights, int from, int to) {
        /** True when this segment starts with the token embeddings. */
        public boolean embeds() { return from == 0; }
    }

    public LayerSplit {
        segments = List.copyOf(segments);
        if (segments.isEmpty()) throw new IllegalArgumentException("a split needs at least one segment");
        int at = 0;
        for (Segment s : segments) {
            if (s.from() != at || s.to() < s.from() || (s.to() == s.from() && segments.size() > 1))
                throw new IllegalArgumentException("segments must be consecutive and non-empty: " + segments);
            at = s.to();
        }
        if (at != nLayer) throw new IllegalArgumentException("segments end at layer " + at + ", the model has " + nLayer);
    }

    /** The whole model on one device. */
    public static LayerSplit single(Device device, ModelWeights weights, int nLayer) {
        return new LayerSplit(List.of(new Segment(device, weights, 0, nLayer)), nLayer);
    }

    /** True when more than one device computes. */
    public boolean isSplit() { return segments.size() > 1; }

    /** The device that computes layer {@code l} (and holds its KV cache). */
    public Device deviceOfLayer(int l) {
        for (Segment s : segments) if (l >= s.from() && l < s.to()) return s.device();
        throw new IndexOutOfBoundsException("layer " + l + " of " + nLayer);
    }

    /** The segment that ends with the output layer. */
    public Segment last() { return segments.get(segments.size() - 1); }

    /** The segment that starts with the input layer. */
    public Segment first() { return segments.get(0); }

    /**
     * The tensors that go to the GPU when its first {@code nGpu} of {@code nLayer} layers are
     * offloaded: {@code blk.L.*} for L &lt; nGpu, the input layer ({@code token_embd}, RoPE factors)
     * with layer 0, and the output layer ({@code output_norm}, {@code output}) only when all layers
     * are offloaded.
     */
    public static Predicate<String> offloadedTensors(int nGpu, int nLayer) {
        return name -> {
            if (name.startsWith("blk.")) {
                int dot = name.indexOf('.', 4);
                if (dot < 0) return false;
                try {
                    return Integer.parseInt(name.substring(4, dot)) < nGpu;
                } catch (NumberFormatException e) {
                    return false;
                }
            }
            if (name.equals("output.weight") || name.equals("output_norm.weight")) return nGpu >= nLayer;
            return nGpu > 0;
        };
    }
}
