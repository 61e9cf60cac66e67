package dev.quanta.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.runtime.GenerationOptions;
import dev.quanta.runtime.GenerationResult;
import dev.quanta.runtime.Model;
import dev.quanta.runtime.ModelOptions;
import dev.quanta.runtime.Quanta;
import dev.quanta.runtime.Session;
import dev.quanta.runtime.exec.GpuLayers;
import dev.quanta.runtime.exec.InferenceContext;
import dev.quanta.runtime.exec.LayerSplit;
import dev.quanta.runtime.sampling.SamplerParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Partial offload ({@code --gpu-layers}) with the OpenCL device (PoCL here) as the "GPU" and the CPU
 * backend for the other layers: stories260K greedy from BOS is llama2.c's text with 0, 2 and all 5
 * layers offloaded, and reference models split in the middle give the logits of the unsplit run.
 */
class OpenClOffloadTest {
    static final double TOL = 1e-4;

    @BeforeAll
    static void requireOpenCl() {
        TestDevices.requireDevice();
    }

    static Model load(Path gguf, int nCtx, GgmlType kv, GpuLayers ngl) {
        ModelOptions o = ModelOptions.of(gguf).withBackend("opencl").withContextLength(nCtx).withGpuLayers(ngl);
        Model m = Quanta.load(kv == null ? o : o.withKvCacheType(kv));
        assertEquals("opencl", m.backendName());
        return m;
    }

    @ParameterizedTest(name = "--gpu-layers {0}")
    @ValueSource(ints = {0, 2, 5})
    void stories260KGreedyFromBosIsLlama2cOutput(int ngl) throws IOException {
        Path f = TestData.require("stories260K/stories260K.gguf");
        int[] want = OpenClModelsTest.ints(Files.readString(TestData.require("stories260K/greedy_t0_200steps.ids")));
        String text = Files.readString(TestData.require("stories260K/greedy_t0_200steps.txt"));
        try (Model m = load(f, 256, null, GpuLayers.of(ngl)); Session s = m.newSession()) {
            assertEquals(ngl, m.gpuLayers());
            LayerSplit split = m.split();
            assertEquals(ngl == 2, split.isSplit());
            for (int l = 0; l < 5; l++)
                assertEquals(l < ngl ? "opencl" : "cpu", split.deviceOfLayer(l).backend(), "device of layer " + l);
            assertEquals(ngl == 5 ? "opencl" : "cpu", split.last().weights().output().buffer().device().backend(),
                    "the output layer is on the GPU only when every layer is");
            GenerationResult r = s.generate(new int[] {1}, GenerationOptions.defaults().withMaxTokens(200)
                    .withSampling(SamplerParams.greedy()), null);
            assertArrayEquals(want, r.tokens(), "greedy ids");
            assertEquals(text, r.text());
        }
    }

    @Test
    void autoPutsEveryLayerOfASmallModelOnTheDevice() {
        try (Model m = load(TestData.require("stories260K/stories260K.gguf"), 256, null, GpuLayers.AUTO)) {
            assertEquals(5, m.gpuLayers(), m.notices().toString());
            assertFalse(m.split().isSplit());
            assertTrue(m.notices().stream().anyMatch(n -> n.startsWith("--gpu-layers auto: 5 of 5 layers fit")), m.notices().toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama-gqa-f32", "llama2-mha-f16", "qwen2-f16"})
    void referenceModelSplitInTheMiddleEqualsTheUnsplitRun(String name) throws IOException {
        Path dir = TestData.require("reference/" + name);
        Path gguf = dir.resolve("model.gguf");
        int[] prompt = OpenClModelsTest.ints(Files.readString(dir.resolve("prompt.ids")));
        int[] greedy = OpenClModelsTest.ints(Files.readString(dir.resolve("f32ref/greedy32.ids")));
        int[] forced = new int[prompt.length + greedy.length - 1];
        System.arraycopy(prompt, 0, forced, 0, prompt.length);
        System.arraycopy(greedy, 0, forced, prompt.length, greedy.length - 1);
        float[][] whole;
        int[] wholeIds;
        int nLayer;
        try (Model m = load(gguf, 128, GgmlType.F32, GpuLayers.ALL); Session s = m.newSession()) {
            nLayer = m.config().nLayer();
            assertFalse(m.split().isSplit());
            whole = s.evaluateAll(forced);
            s.reset();
            wholeIds = s.generate(prompt, GenerationOptions.defaults().withMaxTokens(16)
                    .withSampling(SamplerParams.greedy()).withIgnoreEos(true), null).tokens();
        }
        int half = nLayer / 2;
        assertTrue(half > 0 && half < nLayer, name + " has too few layers to split");
        try (Model m = load(gguf, 128, GgmlType.F32, GpuLayers.of(half)); Session s = m.newSession()) {
            assertTrue(m.split().isSplit());
            Device gpu = m.split().first().device(), cpu = m.split().last().device();
            assertEquals("opencl", gpu.backend());
            assertEquals("cpu", cpu.backend());
            float[][] got = s.evaluateAll(forced);
            double d = 0;
            for (int r = 0; r < forced.length; r++)
                for (int i = 0; i < got[r].length; i++) d = Math.max(d, Math.abs(got[r][i] - whole[r][i]));
            s.reset();
            int[] ids = s.generate(prompt, GenerationOptions.defaults().withMaxTokens(16)
                    .withSampling(SamplerParams.greedy()).withIgnoreEos(true), null).tokens();
            System.out.printf("opencl offload reference/%s: %d/%d layers on opencl, max |logit diff| vs unsplit %.2e over %d rows%n",
                    name, half, nLayer, d, forced.length);
            assertTrue(d < TOL, name + ": split logits differ from the unsplit run by " + d);
            assertArrayEquals(wholeIds, ids, name + ": greedy ids with the split");
            // every layer's cache is on its layer's device
            try (InferenceContext c = m.newContext(16, GgmlType.F32)) {
                for (int l = 0; l < nLayer; l++)
                    assertEquals(l < half ? "opencl" : "cpu", c.kvCache().kStorage(l).buffer().device().backend(), "K cache of layer " + l);
            }
            assertEquals(Arrays.asList(0, half), m.split().segments().stream().map(LayerSplit.Segment::from).toList());
        }
    }
}
