package dev.quanta.loader.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.loader.hub.QuantSelector.ModelFiles;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuantSelectorTest {
    @Test
    void quantIsReadOffRealWorldFileNames() {
        String[][] cases = {
                {"Llama-3.2-1B-Instruct-Q4_K_M.gguf", "Q4_K_M"},
                {"qwen2.5-0.5b-instruct-q4_k_m.gguf", "Q4_K_M"},
                {"mistral-7b-instruct-v0.2.Q5_K_S.gguf", "Q5_K_S"},
                {"phi-4-IQ4_XS.gguf", "IQ4_XS"},
                {"gemma-2-2b-it-IQ2_XXS.gguf", "IQ2_XXS"},
                {"Qwen3-30B-A3B-UD-Q4_K_XL.gguf", "Q4_K_XL"},
                {"Meta-Llama-3-8B-Instruct-Q4_0_4_4.gguf", "Q4_0_4_4"},
                {"ggml-model-f16.gguf", "F16"},
                {"model-bf16-00001-of-00002.gguf", "BF16"},
                {"tinyllama-1.1b-chat-v1.0.Q8_0.gguf", "Q8_0"},
                {"gpt-oss-20b-mxfp4.gguf", "MXFP4"},
                {"Q4_K_M/DeepSeek-R1-00001-of-00009.gguf", "Q4_K_M"},
                {"Qwen2-7B.gguf", null},
                {"stories260K.gguf", null},
        };
        for (String[] c : cases) assertEquals(c[1], QuantSelector.quantOf(c[0]), c[0]);
    }

    @Test
    void splitPartsAreGroupedAndProjectorsLeftOut() {
        List<ModelFiles> ms = QuantSelector.models(List.of("README.md", "m-Q8_0-00002-of-00002.gguf", "m-Q8_0-00001-of-00002.gguf",
                "mmproj-model-f16.gguf", "m-Q4_K_M.gguf", "sub/m-F16-00001-of-00003.gguf"));
        assertEquals(3, ms.size());
        assertEquals(new ModelFiles("Q4_K_M", List.of("m-Q4_K_M.gguf"), 1), ms.get(0));
        assertEquals(new ModelFiles("Q8_0", List.of("m-Q8_0-00001-of-00002.gguf", "m-Q8_0-00002-of-00002.gguf"), 2), ms.get(1));
        assertTrue(ms.get(1).complete());
        assertEquals(3, ms.get(2).partCount());
        assertTrue(!ms.get(2).complete(), "one part of three is an incomplete set");
        assertEquals(ms.get(1), QuantSelector.forFile(List.of("m-Q8_0-00002-of-00002.gguf", "m-Q8_0-00001-of-00002.gguf"), "m-Q8_0-00002-of-00002.gguf"));
    }

    @Test
    void selectionRules() {
        List<ModelFiles> ms = QuantSelector.models(List.of("a-Q8_0.gguf", "a-Q4_K_M.gguf", "a-Q4_K_S.gguf", "a-IQ4_XS.gguf", "a-F16.gguf"));
        assertEquals("a-Q4_K_M.gguf", QuantSelector.select(ms, null, "hf:x/y").model().primary());
        assertNull(QuantSelector.select(ms, null, "hf:x/y").note());
        assertEquals("a-Q8_0.gguf", QuantSelector.select(ms, "q8_0", "hf:x/y").model().primary());
        assertEquals("a-IQ4_XS.gguf", QuantSelector.select(ms, "iq4_xs", "hf:x/y").model().primary());
        assertEquals("a-Q4_K_S.gguf", QuantSelector.select(ms, "Q4_K_S", "hf:x/y").model().primary());
        HubException amb = assertThrows(HubException.class, () -> QuantSelector.select(ms, "Q4", "hf:x/y"));
        assertEquals("hf:x/y:Q4 is ambiguous: it matches a-Q4_K_M.gguf, a-Q4_K_S.gguf; name one file with hf:x/y/FILE.gguf", amb.getMessage());
        HubException none = assertThrows(HubException.class, () -> QuantSelector.select(ms, "Q2_K", "hf:x/y"));
        assertEquals("no Q2_K GGUF in hf:x/y; available: F16 (a-F16.gguf), IQ4_XS (a-IQ4_XS.gguf), Q4_K_M (a-Q4_K_M.gguf), "
                + "Q4_K_S (a-Q4_K_S.gguf), Q8_0 (a-Q8_0.gguf)", none.getMessage());

        // no Q4_K_M: a Q4 file, else the first GGUF, with a note naming the choice
        List<ModelFiles> noKm = QuantSelector.models(List.of("b-Q8_0.gguf", "b-Q4_0.gguf"));
        QuantSelector.Selection s = QuantSelector.select(noKm, null, "hf:x/b");
        assertEquals("b-Q4_0.gguf", s.model().primary());
        assertEquals("hf:x/b has no Q4_K_M file; using b-Q4_0.gguf (choices: Q4_0 (b-Q4_0.gguf), Q8_0 (b-Q8_0.gguf))", s.note());
        assertEquals("c-F16.gguf", QuantSelector.select(QuantSelector.models(List.of("c-Q8_0.gguf", "c-F16.gguf")), null, "hf:x/c").model().primary());
        HubException empty = assertThrows(HubException.class, () -> QuantSelector.select(List.of(), null, "hf:x/d"));
        assertEquals("hf:x/d has no GGUF model files", empty.getMessage());
    }
}
