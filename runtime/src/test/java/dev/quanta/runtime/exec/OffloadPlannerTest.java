package dev.quanta.runtime.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.runtime.QuantaException;
import dev.quanta.runtime.arch.Architectures;
import dev.quanta.runtime.model.ModelConfig;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The --gpu-layers planner with made-up free-memory figures, the option's values, the tensor placement rule. */
class OffloadPlannerTest {
    static final long MIB = 1 << 20;

    /** 8 layers of 100 MiB, 10 MiB of KV each, 50 MiB input layer, 60 MiB output layer, 200 MiB reserve. */
    static OffloadPlanner.Sizes sizes() {
        long[] layers = new long[8];
        java.util.Arrays.fill(layers, 100 * MIB);
        return new OffloadPlanner.Sizes(layers, 50 * MIB, 60 * MIB, 10 * MIB, 200 * MIB);
    }

    @Test
    void autoFitsAsManyLayersAsTheFreeMemoryHolds() {
        OffloadPlanner.Sizes s = sizes();
        // n layers need 50 + 200 + 110 n MiB, plus 60 MiB of output layer when n = 8 (1190 MiB)
        assertEquals(0, OffloadPlanner.autoLayers(s, 0));
        assertEquals(0, OffloadPlanner.autoLayers(s, 359 * MIB), "not even one layer with its input layer and the reserve");
        assertEquals(1, OffloadPlanner.autoLayers(s, 360 * MIB));
        assertEquals(3, OffloadPlanner.autoLayers(s, 600 * MIB));
        assertEquals(7, OffloadPlanner.autoLayers(s, 1130 * MIB), "7 layers fit, all 8 + output do not");
        assertEquals(7, OffloadPlanner.autoLayers(s, 1189 * MIB), "the output layer is part of 'all'");
        assertEquals(8, OffloadPlanner.autoLayers(s, 1190 * MIB));
        assertEquals(8, OffloadPlanner.autoLayers(s, 24L << 30));
        for (long free = 0; free < 1300 * MIB; free += 7 * MIB) {
            int n = OffloadPlanner.autoLayers(s, free);
            assertTrue(s.needed(n) <= free, "chosen layers fit in " + free);
            if (n < s.nLayer()) assertTrue(s.needed(n + 1) > free, "one more layer would not fit in " + free);
        }
    }

    @Test
    void estimateFromARealFileCountsEveryTensorOnce() {
        Path f = TestData.require("stories260K/stories260K.gguf");
        try (GgufFile file = GgufFile.open(f)) {
            ModelConfig c = Architectures.forName("llama", f).config(file, (int) file.tensor("token_embd.weight").ne()[1]);
            OffloadPlanner.Sizes s = OffloadPlanner.estimate(file, c, GgmlType.F16, 256, 32);
            long total = file.tensors().stream().mapToLong(t -> t.byteSize()).sum();
            long layers = java.util.Arrays.stream(s.layerWeights()).sum();
            assertEquals(total, layers + s.inputBytes() + s.outputBytes(), "layers + input + output = every tensor of the file");
            assertEquals(5, s.nLayer());
            for (long b : s.layerWeights()) assertEquals(s.layerWeights()[0], b, "identical layers");
            assertEquals((long) (2 * c.kvRowK() + 2 * c.kvRowV()) * 256, s.kvPerLayer(), "F16 K and V rows of 256 cells");
            assertTrue(s.reserve() > OffloadPlanner.HEADROOM);
            // a device with room for the reserve and two layers gets two
            long free = s.needed(2) + s.layerWeights()[2] / 2;
            assertEquals(2, OffloadPlanner.autoLayers(s, free));
            // with an F32 cache each layer needs more
            OffloadPlanner.Sizes f32 = OffloadPlanner.estimate(file, c, GgmlType.F32, 256, 32);
            assertEquals(2 * s.kvPerLayer(), f32.kvPerLayer());
        }
    }

    @Test
    void gpuLayersOptionValues() {
        assertTrue(GpuLayers.parse("auto").isAuto());
        assertTrue(GpuLayers.parse("AUTO").isAuto());
        assertTrue(GpuLayers.parse("all").isAll());
        assertTrue(GpuLayers.parse("-1").isAll());
        assertEquals(GpuLayers.of(0), GpuLayers.parse("0"));
        assertEquals(12, GpuLayers.parse(" 12 ").count());
        assertEquals(5, GpuLayers.parse("99").resolve(5), "more than the model has means all");
        assertEquals(3, GpuLayers.parse("3").resolve(5));
        assertEquals(5, GpuLayers.ALL.resolve(5));
        for (String bad : new String[] {"", "x", "-2", "1.5", "3 layers"}) {
            QuantaException e = assertThrows(QuantaException.class, () -> GpuLayers.parse(bad));
            assertTrue(e.getMessage().startsWith("--gpu-layers " + bad + ":"), e.getMessage());
        }
    }

    @Test
    void offloadedTensorsFollowLlamaCppPlacement() {
        Predicate<String> two = LayerSplit.offloadedTensors(2, 5);
        assertTrue(two.test("blk.0.attn_q.weight"));
        assertTrue(two.test("blk.1.ffn_down.weight"));
        assertFalse(two.test("blk.2.attn_q.weight"));
        assertFalse(two.test("blk.10.attn_q.weight"));
        assertTrue(two.test("token_embd.weight"), "the input layer goes with layer 0");
        assertTrue(two.test("rope_freqs.weight"));
        assertFalse(two.test("output.weight"), "the output layer stays on the CPU unless every layer is offloaded");
        assertFalse(two.test("output_norm.weight"));
        Predicate<String> all = LayerSplit.offloadedTensors(5, 5);
        assertTrue(all.test("output.weight"));
        assertTrue(all.test("blk.4.attn_q.weight"));
        Predicate<String> none = LayerSplit.offloadedTensors(0, 5);
        assertFalse(none.test("token_embd.weight"));
        assertFalse(none.test("blk.0.attn_q.weight"));
    }

    @Test
    void splitSegmentsMustCoverTheLayersInOrder() {
        assertThrows(IllegalArgumentException.class, () -> new LayerSplit(java.util.List.of(
                new LayerSplit.Segment(null, null, 0, 2), new LayerSplit.Segment(null, null, 3, 5)), 5));
        assertThrows(IllegalArgumentException.class, () -> new LayerSplit(java.util.List.of(
                new LayerSplit.Segment(null, null, 0, 2)), 5));
        LayerSplit ok = new LayerSplit(java.util.List.of(
                new LayerSplit.Segment(null, null, 0, 2), new LayerSplit.Segment(null, null, 2, 5)), 5);
        assertTrue(ok.isSplit());
        assertEquals(2, ok.last().from());
    }
}
