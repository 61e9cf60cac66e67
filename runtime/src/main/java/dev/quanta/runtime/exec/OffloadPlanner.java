package dev.quanta.runtime.exec;

import dev.quanta.kernels.GgmlType;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufTensorInfo;
import dev.quanta.runtime.model.ModelConfig;
import java.util.Arrays;

/**
 * Chooses how many layers fit on the GPU device for {@code --gpu-layers auto}: the first N layers
 * go to the GPU with the input layer (token embeddings, RoPE factors), and the output layer
 * (output norm and projection) joins them only when all layers fit (as llama.cpp places it). What a
 * layer costs on the device is its weights plus its share of the KV cache; a compute reserve (the
 * intermediate tensors of one micro-batch, the logits rows, headroom for the driver) is kept free.
 */
public final class OffloadPlanner {
    /** Kept free beyond the computed reserve: driver allocations, fragmentation, other programs. */
    public static final long HEADROOM = 256L << 20;

    private OffloadPlanner() {}

    /**
     * What each part of the model needs on the device, in bytes.
     *
     * @param layerWeights weights of each block ({@code blk.N.*}) as stored in the file
     * @param inputBytes   token embeddings and RoPE factor tensors (on the device of layer 0)
     * @param outputBytes  output norm and output projection; without the projection when it is tied
     *                     to the embeddings (already counted in {@code inputBytes})
     * @param kvPerLayer   K and V cache of one layer for the planned context
     * @param reserve      compute buffers and headroom kept free
     */
    public record Sizes(long[] layerWeights, long inputBytes, long outputBytes, long kvPerLayer, long reserve) {
        public Sizes {
            layerWeights = layerWeights.clone();
        }

        public int nLayer() { return layerWeights.length; }

        /** Bytes the device needs with the first {@code n} layers (and the output layer when n is all of them). */
        public long needed(int n) {
            if (n == 0) return 0;
            long b = inputBytes + reserve;
            for (int l = 0; l < n; l++) b += layerWeights[l] + kvPerLayer;
            if (n == nLayer()) b += outputBytes;
            return b;
        }

        @Override
        public String toString() {
            return "Sizes[layers=" + Arrays.toString(layerWeights) + ", input=" + inputBytes + ", output=" + outputBytes
                    + ", kvPerLayer=" + kvPerLayer + ", reserve=" + reserve + "]";
        }
    }

    /** The most layers whose {@link Sizes#needed} fits in {@code freeBytes}; 0 when not even one does. */
    public static int autoLayers(Sizes s, long freeBytes) {
        int n = 0;
        while (n < s.nLayer() && s.needed(n + 1) <= freeBytes) n++;
        return n;
    }

    /**
     * The sizes of a model from its file: per-layer weights from the tensor table, the KV cache of
     * {@code nCtx} cells of {@code kvType}, and a compute reserve for micro-batches of {@code nUbatch}
     * tokens (F32 activations of the widest ops, one logits row per token, the attention scores of
     * every head over the context, plus {@link #HEADROOM}).
     */
    public static Sizes estimate(GgufFile file, ModelConfig c, GgmlType kvType, int nCtx, int nUbatch) {
        long[] layers = new long[c.nLayer()];
        long input = 0, output = 0;
        for (GgufTensorInfo t : file.tensors()) {
            String n = t.name();
            if (n.startsWith("blk.")) {
                int dot = n.indexOf('.', 4);
                int l = dot < 0 ? -1 : parseLayer(n.substring(4, dot));
                if (l >= 0 && l < layers.length) layers[l] += t.byteSize();
            } else if (n.equals("token_embd.weight") || n.startsWith("rope_")) {
                input += t.byteSize();
            } else if (n.equals("output.weight") || n.equals("output_norm.weight")) { // a tied projection is token_embd, counted above
                output += t.byteSize();
            }
        }
        long kv = (kvType.rowBytes(c.kvRowK()) + kvType.rowBytes(c.kvRowV())) * (long) nCtx;
        long perToken = 4L * (4L * c.nEmbd() + 3L * c.nFf() + c.nVocab() + (long) (c.nHead() + 1) * nCtx);
        long reserve = perToken * nUbatch + HEADROOM;
        return new Sizes(layers, input, output, kv, reserve);
    }

    private static int parseLayer(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
