package dev.quanta.loader.quantize;

import dev.quanta.kernels.GgmlType;
import dev.quanta.loader.gguf.GgufMetadata;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which type each tensor gets in a quantized file: llama.cpp's rules ({@code llama_model_quantize_impl}
 * and {@code llama_tensor_get_type} in src/llama-quant.cpp, build b4748), restated: 1-D tensors,
 * norms and a few special tensors are kept as they are; the output matrix (or the token embedding
 * when the output is tied to it) becomes Q6_K; attn_v and ffn_down get more bits in some layers
 * for the _M mixes; a row length that is not a multiple of the chosen type's block size falls
 * back to a type that fits. Tensors are visited in llama.cpp's order (by layer, then by name),
 * which both the per-layer counters and the written file follow.
 */
public final class QuantRecipe {
    /** One tensor as the recipe sees it. */
    public record TensorRef(String name, long[] ne, GgmlType type) {}

    /** The decision for one tensor: its new type, and whether its data must be converted. */
    public record Choice(TensorRef tensor, GgmlType newType, boolean convert, boolean fallback) {}

    /** What the recipe needs from the model's hyperparameters. */
    public record Hparams(String arch, int nLayer, int nHead, int nHeadKv, int nExpert) {
        int nGqa() {
            return nHeadKv == 0 ? 0 : nHead / nHeadKv;
        }

        /** llama.cpp's LLM_TYPE_70B (80-layer Llama with GQA), which gets a wider attn_v. */
        boolean is70B() {
            return nLayer == 80 && arch.equals("llama") && nHead != nHeadKv;
        }

        public static Hparams of(GgufMetadata m) {
            String a = m.architecture();
            int nHead = firstInt(m, a + ".attention.head_count", 0);
            return new Hparams(a, m.getInt(a + ".block_count", 0), nHead, firstInt(m, a + ".attention.head_count_kv", nHead),
                    m.getInt(a + ".expert_count", 0));
        }

        private static int firstInt(GgufMetadata m, String key, int dflt) {
            if (!m.has(key)) return dflt;
            if (m.get(key).value() instanceof dev.quanta.loader.gguf.GgufValue.GgufArray) {
                int[] a = m.getIntArray(key);
                return a.length == 0 ? dflt : a[0];
            }
            return m.getInt(key);
        }
    }

    private final LlamaFtype ftype;
    private final boolean pure;
    private final Hparams hp;
    private boolean hasOutput;
    private int nAttentionWv, iAttentionWv, iFfnDown, iFfnGate, iFfnUp;

    private QuantRecipe(LlamaFtype ftype, boolean pure, Hparams hp) {
        this.ftype = ftype;
        this.pure = pure;
        this.hp = hp;
    }

    /** llama.cpp's tensor order: by layer number ({@code blk.N.}, others first), then by name. */
    public static final Comparator<String> LLAMA_ORDER = Comparator.comparingInt(QuantRecipe::layerOf).thenComparing(Comparator.naturalOrder());

    static int layerOf(String name) {
        if (!name.startsWith("blk.")) return -1;
        int i = 4, v = 0;
        boolean any = false;
        while (i < name.length() && Character.isDigit(name.charAt(i)) && i < 13) {
            v = v * 10 + (name.charAt(i++) - '0');
            any = true;
        }
        return any ? v : -1;
    }

    /** The type of every tensor, in the order llama.cpp writes them. */
    public static List<Choice> plan(List<TensorRef> tensors, Hparams hp, LlamaFtype ftype, boolean pure) {
        List<TensorRef> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparing(TensorRef::name, LLAMA_ORDER));
        QuantRecipe r = new QuantRecipe(ftype, pure, hp);
        for (TensorRef t : sorted) {
            if (t.name.contains("attn_v.weight") || t.name.contains("attn_qkv.weight") || t.name.contains("attn_kv_b.weight")) r.nAttentionWv++;
            else if (t.name.equals("output.weight")) r.hasOutput = true;
        }
        List<Choice> out = new ArrayList<>(sorted.size());
        for (TensorRef t : sorted) out.add(r.choose(t));
        return out;
    }

    /** ggml_n_dims: the number of dimensions ignoring trailing ones. */
    static int nDims(long[] ne) {
        for (int i = ne.length - 1; i >= 1; i--) if (ne[i] > 1) return i + 1;
        return 1;
    }

    /** Whether llama-quantize quantizes this tensor at all (2-D+ weights that are not norms or special tensors). */
    public static boolean quantizable(String name, long[] ne) {
        boolean q = name.endsWith("weight") && nDims(ne) >= 2 && !name.contains("_norm.weight");
        q &= !name.contains("ffn_gate_inp.weight");
        q &= !name.equals("position_embd.weight") && !name.equals("token_types.weight");
        q &= !name.contains("ssm_conv1d.weight");
        for (String s : new String[] {"time_mix_first.weight", "time_mix_w1.weight", "time_mix_w2.weight", "time_mix_decay_w1.weight",
                "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight", "attn_rel_b.weight"}) q &= !name.contains(s);
        return q;
    }

    private Choice choose(TensorRef t) {
        if (!quantizable(t.name, t.ne)) return new Choice(t, t.type, false, false);
        GgmlType nt = ftype.defaultType;
        boolean[] fb = {false};
        if (!pure && nt.isQuantized()) nt = tensorType(t, nt, fb);
        return new Choice(t, nt, nt != t.type, fb[0]);
    }

    private static boolean useMoreBits(int iLayer, int nLayers) {
        return iLayer < nLayers / 8 || iLayer >= 7 * nLayers / 8 || (iLayer - nLayers / 8) % 3 == 2;
    }

    private int layerFor(int counter, String name) {
        if (hp.nExpert > 1) {
            int l = layerOf(name);
            if (l < 0 || l >= hp.nLayer) throw new IllegalArgumentException("cannot determine the layer of tensor '" + name + "'");
            return l;
        }
        return counter;
    }

    /** llama_tensor_get_type for the non-IQ file types. */
    private GgmlType tensorType(TensorRef t, GgmlType nt, boolean[] fallback) {
        String name = t.name;
        LlamaFtype f = ftype;
        boolean falcon = hp.arch.equals("falcon");
        if (name.equals("output.weight") || (!hasOutput && name.equals("token_embd.weight"))) {
            if (falcon || t.ne[0] % nt.blockSize != 0) nt = GgmlType.Q8_0;
            else if (nt != GgmlType.Q8_0) nt = GgmlType.Q6_K;
        } else if (name.equals("token_embd.weight")) {
            // only IQ/TQ mixes change it
        } else if (name.contains("attn_v.weight")) {
            if (f == LlamaFtype.MOSTLY_Q2_K) nt = hp.nGqa() >= 4 ? GgmlType.Q4_K : GgmlType.Q3_K;
            else if (f == LlamaFtype.MOSTLY_Q3_K_M) nt = iAttentionWv < 2 ? GgmlType.Q5_K : GgmlType.Q4_K;
            else if (f == LlamaFtype.MOSTLY_Q3_K_L) nt = GgmlType.Q5_K;
            else if ((f == LlamaFtype.MOSTLY_Q4_K_M || f == LlamaFtype.MOSTLY_Q5_K_M) && useMoreBits(iAttentionWv, nAttentionWv)) nt = GgmlType.Q6_K;
            else if (f == LlamaFtype.MOSTLY_Q4_K_S && iAttentionWv < 4) nt = GgmlType.Q5_K;
            if (hp.is70B() && (nt == GgmlType.Q3_K || nt == GgmlType.Q4_K)) nt = GgmlType.Q5_K;
            if (hp.nExpert == 8) nt = GgmlType.Q8_0;
            iAttentionWv++;
        } else if (name.contains("attn_k.weight")) {
            if (hp.nExpert == 8) nt = GgmlType.Q8_0;
        } else if (name.contains("attn_q.weight")) {
            // only IQ mixes change it
        } else if (name.contains("ffn_down")) {
            int iLayer = layerFor(iFfnDown, name), nLayer = hp.nLayer;
            if (f == LlamaFtype.MOSTLY_Q2_K) nt = GgmlType.Q3_K;
            else if (f == LlamaFtype.MOSTLY_Q3_K_M)
                nt = iLayer < nLayer / 16 ? GgmlType.Q5_K : !falcon || useMoreBits(iLayer, nLayer) ? GgmlType.Q4_K : GgmlType.Q3_K;
            else if (f == LlamaFtype.MOSTLY_Q3_K_L) nt = falcon ? GgmlType.Q4_K : GgmlType.Q5_K;
            else if (f == LlamaFtype.MOSTLY_Q4_K_M) {
                if (falcon) nt = iLayer < nLayer / 16 ? GgmlType.Q6_K : useMoreBits(iLayer, nLayer) ? GgmlType.Q5_K : GgmlType.Q4_K;
                else if (useMoreBits(iLayer, nLayer)) nt = GgmlType.Q6_K;
            } else if (f == LlamaFtype.MOSTLY_Q5_K_M && useMoreBits(iLayer, nLayer)) nt = GgmlType.Q6_K;
            else if (f == LlamaFtype.MOSTLY_Q4_K_S && !falcon && iLayer < nLayer / 8) nt = GgmlType.Q5_K;
            iFfnDown++;
        } else if (name.contains("attn_output.weight")) {
            if (!falcon) {
                if (hp.nExpert == 8) {
                    if (f == LlamaFtype.MOSTLY_Q2_K || f == LlamaFtype.MOSTLY_Q3_K_S || f == LlamaFtype.MOSTLY_Q3_K_M
                            || f == LlamaFtype.MOSTLY_Q4_K_S || f == LlamaFtype.MOSTLY_Q4_K_M) nt = GgmlType.Q5_K;
                } else {
                    if (f == LlamaFtype.MOSTLY_Q2_K) nt = GgmlType.Q3_K;
                    else if (f == LlamaFtype.MOSTLY_Q3_K_M) nt = GgmlType.Q4_K;
                    else if (f == LlamaFtype.MOSTLY_Q3_K_L) nt = GgmlType.Q5_K;
                }
            } else if (f == LlamaFtype.MOSTLY_Q3_K_L) nt = GgmlType.Q4_K;
        } else if (name.contains("attn_qkv.weight")) {
            if (f == LlamaFtype.MOSTLY_Q3_K_M || f == LlamaFtype.MOSTLY_Q3_K_L) nt = GgmlType.Q4_K;
            else if (f == LlamaFtype.MOSTLY_Q4_K_M) nt = GgmlType.Q5_K;
            else if (f == LlamaFtype.MOSTLY_Q5_K_M) nt = GgmlType.Q6_K;
        } else if (name.contains("ffn_gate")) {
            layerFor(iFfnGate, name);
            iFfnGate++;
        } else if (name.contains("ffn_up")) {
            layerFor(iFfnUp, name);
            iFfnUp++;
        }
        // a row must be a whole number of blocks: fall back to a type with smaller blocks
        if (t.ne[0] % nt.blockSize != 0) {
            nt = switch (nt) {
                case TQ1_0, TQ2_0 -> GgmlType.Q4_0;
                case Q2_K, Q3_K, IQ4_XS, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M -> GgmlType.IQ4_NL;
                case Q4_K -> GgmlType.Q5_0;
                case Q5_K -> GgmlType.Q5_1;
                case Q6_K -> GgmlType.Q8_0;
                default -> throw new IllegalArgumentException("tensor '" + name + "': row length " + t.ne[0] + " cannot be quantized to " + nt);
            };
            if (t.ne[0] % nt.blockSize != 0) nt = GgmlType.F16;
            fallback[0] = true;
        }
        return nt;
    }
}
