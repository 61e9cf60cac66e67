package dev.quanta.loader.quantize;

import static org.junit.jupiter.api.Assertions.*;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufTensorInfo;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The per-tensor types of files made by llama-quantize (b4748) from F16 parents, predicted from names and shapes. */
class QuantRecipeTest {
    @ParameterizedTest
    @ValueSource(strings = {"qwen2-q4_k_m", "llama-medium-q4_k_m", "qwen2-q4_0", "llama-medium-q4_0", "qwen2-q4_k_m-pure",
            "llama-medium-q4_k_m-pure", "qwen2-q4_0-pure", "llama-medium-q4_0-pure", "qwen2-q8_0", "llama-medium-q8_0"})
    void recipeMatchesLlamaQuantize(String model) {
        try (GgufFile f = GgufFile.open(TestData.require("reference/" + model + "/model.gguf"))) {
            LlamaFtype ftype = LlamaFtype.byId(f.metadata().getInt("general.file_type"));
            assertNotNull(ftype);
            boolean pure = model.endsWith("-pure");
            List<QuantRecipe.Choice> plan = Quantizer.plan(f, ftype, pure);
            List<String> order = new ArrayList<>();
            int bumped = 0;
            for (QuantRecipe.Choice c : plan) {
                GgufTensorInfo t = f.requireTensor(c.tensor().name());
                assertEquals(t.type(), c.newType(), model + " " + t.name());
                order.add(t.name());
                if (c.newType() == GgmlType.Q6_K) bumped++;
            }
            assertEquals(f.tensors().stream().map(GgufTensorInfo::name).toList(), order, "llama.cpp's tensor order");
            if (!pure && model.contains("q4_k_m")) assertTrue(bumped > 1, "Q6_K bumps expected");
        }
    }

    static List<QuantRecipe.TensorRef> llamaTensors(int nLayer, long nEmbd, long nKv, long nFf, long nVocab, boolean tied) {
        List<QuantRecipe.TensorRef> l = new ArrayList<>();
        l.add(new QuantRecipe.TensorRef("token_embd.weight", new long[] {nEmbd, nVocab}, GgmlType.F16));
        l.add(new QuantRecipe.TensorRef("output_norm.weight", new long[] {nEmbd}, GgmlType.F32));
        if (!tied) l.add(new QuantRecipe.TensorRef("output.weight", new long[] {nEmbd, nVocab}, GgmlType.F16));
        for (int i = 0; i < nLayer; i++) {
            String p = "blk." + i + ".";
            l.add(new QuantRecipe.TensorRef(p + "attn_norm.weight", new long[] {nEmbd}, GgmlType.F32));
            l.add(new QuantRecipe.TensorRef(p + "ffn_norm.weight", new long[] {nEmbd}, GgmlType.F32));
            l.add(new QuantRecipe.TensorRef(p + "attn_q.weight", new long[] {nEmbd, nEmbd}, GgmlType.F16));
            l.add(new QuantRecipe.TensorRef(p + "attn_k.weight", new long[] {nEmbd, nKv}, GgmlType.F16));
            l.add(new QuantRecipe.TensorRef(p + "attn_v.weight", new long[] {nEmbd, nKv}, GgmlType.F16));
            l.add(new QuantRecipe.TensorRef(p + "attn_output.weight", new long[] {nEmbd, nEmbd}, GgmlType.F16));
            l.add(new QuantRecipe.TensorRef(p + "ffn_gate.weight", new long[] {nEmbd, nFf}, GgmlType.F16));
            l.add(new QuantRecipe.TensorRef(p + "ffn_up.weight", new long[] {nEmbd, nFf}, GgmlType.F16));
            l.add(new QuantRecipe.TensorRef(p + "ffn_down.weight", new long[] {nFf, nEmbd}, GgmlType.F16));
        }
        return l;
    }

    static Map<GgmlType, Integer> count(List<QuantRecipe.Choice> plan) {
        Map<GgmlType, Integer> m = new EnumMap<>(GgmlType.class);
        for (QuantRecipe.Choice c : plan) m.merge(c.newType(), 1, Integer::sum);
        return m;
    }

    /** Llama-3-8B Q4_K_M as published by llama.cpp users: 65 F32, 193 Q4_K, 33 Q6_K tensors. */
    @Test
    void llama3_8bQ4KMMix() {
        var hp = new QuantRecipe.Hparams("llama", 32, 32, 8, 0);
        var plan = QuantRecipe.plan(llamaTensors(32, 4096, 1024, 14336, 128256, false), hp, LlamaFtype.MOSTLY_Q4_K_M, false);
        assertEquals(Map.of(GgmlType.F32, 65, GgmlType.Q4_K, 193, GgmlType.Q6_K, 33), count(plan));
        // token_embd stays the default type when the output is untied; the output becomes Q6_K
        assertEquals(GgmlType.Q4_K, plan.stream().filter(c -> c.tensor().name().equals("token_embd.weight")).findFirst().orElseThrow().newType());
        // Q4_K_S: attn_v of the first 4 layers and ffn_down of the first n_layer/8 layers are Q5_K
        var s = QuantRecipe.plan(llamaTensors(32, 4096, 1024, 14336, 128256, false), hp, LlamaFtype.MOSTLY_Q4_K_S, false);
        assertEquals(Map.of(GgmlType.F32, 65, GgmlType.Q4_K, 217, GgmlType.Q5_K, 8, GgmlType.Q6_K, 1), count(s));
    }

    @Test
    void rowLengthsThatAreNotMultiplesOf256FallBack() {
        // Qwen2-0.5B: n_embd 896 is not a multiple of 256, n_ff 4864 is: matrices with rows of 896 fall back
        // Q4_K -> Q5_0 and Q6_K -> Q8_0; ffn_down (rows of 4864) keeps the K-quants; the tied embedding becomes Q8_0
        var hp = new QuantRecipe.Hparams("qwen2", 8, 14, 2, 0);
        var plan = QuantRecipe.plan(llamaTensors(8, 896, 128, 4864, 1000, true), hp, LlamaFtype.MOSTLY_Q4_K_M, false);
        for (QuantRecipe.Choice c : plan) {
            String n = c.tensor().name();
            if (n.contains("_norm")) assertEquals(GgmlType.F32, c.newType(), n);
            else if (n.equals("token_embd.weight")) assertEquals(GgmlType.Q8_0, c.newType());
            else if (n.contains("ffn_down")) assertTrue(!c.fallback() && (c.newType() == GgmlType.Q4_K || c.newType() == GgmlType.Q6_K), n);
            else {
                assertTrue(c.fallback(), n);
                assertTrue(c.newType() == GgmlType.Q5_0 || c.newType() == GgmlType.Q8_0, n + " " + c.newType());
                if (n.contains("attn_v") && n.startsWith("blk.0.")) assertEquals(GgmlType.Q8_0, c.newType(), "Q6_K bump falls back to Q8_0");
            }
        }
        // Q2_K falls back to IQ4_NL, which has 32-element blocks
        var q2 = QuantRecipe.plan(llamaTensors(8, 896, 128, 4864, 1000, true), hp, LlamaFtype.MOSTLY_Q2_K, false);
        assertTrue(q2.stream().anyMatch(c -> c.newType() == GgmlType.IQ4_NL));
        // a row of 100 fits no block type: F16
        var odd = QuantRecipe.plan(List.of(new QuantRecipe.TensorRef("blk.0.ffn_up.weight", new long[] {100, 4}, GgmlType.F32)),
                new QuantRecipe.Hparams("llama", 1, 1, 1, 0), LlamaFtype.MOSTLY_Q4_K_M, false);
        assertEquals(GgmlType.F16, odd.get(0).newType());
    }

    @Test
    void ftypeNamesAndNumbers() {
        assertEquals(15, LlamaFtype.parse("q4_k_m").id);
        assertEquals(7, LlamaFtype.parse("Q8_0").id);
        assertEquals(LlamaFtype.MOSTLY_Q4_K_M, LlamaFtype.parse("Q4_K"));
        assertEquals(32, LlamaFtype.parse("BF16").id);
        assertThrows(IllegalArgumentException.class, () -> LlamaFtype.parse("Q9_9"));
    }
}
