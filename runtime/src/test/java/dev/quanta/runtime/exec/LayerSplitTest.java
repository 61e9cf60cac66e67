package dev.quanta.runtime.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.runtime.Model;
import dev.quanta.runtime.ModelOptions;
import dev.quanta.runtime.Quanta;
import dev.quanta.runtime.arch.Architecture;
import dev.quanta.runtime.arch.Architectures;
import dev.quanta.runtime.batch.Batch;
import dev.quanta.runtime.model.ModelConfig;
import dev.quanta.runtime.model.ModelWeights;
import dev.quanta.runtime.model.WeightLoader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The split mechanism without a GPU: stories260K with layers [0, 2) (and the embeddings) on the
 * reference backend's device, through a selective loader that packs only those tensors, and
 * layers [2, 5) with the output on the CPU backend, against the whole model on the reference device.
 * The OpenCL module's OpenClOffloadTest runs the same through Model.load with a real second device.
 */
class LayerSplitTest {
    static GgufFile file;
    static Architecture arch;
    static ModelConfig config;
    static Device ref, cpu;
    static WeightLoader onRef, onCpu, onRefSplit;
    static LayerSplit whole, split;

    @BeforeAll
    static void load() {
        Path f = TestData.require("stories260K/stories260K.gguf");
        file = GgufFile.open(f);
        arch = Architectures.forName("llama", f);
        config = arch.config(file, (int) file.tensor("token_embd.weight").ne()[1]);
        ref = BackendChooser.choose("reference").device();
        cpu = BackendChooser.choose("cpu").device();
        onRef = new WeightLoader(file, ref, null);
        whole = LayerSplit.single(ref, arch.load(onRef, config), config.nLayer());
        onCpu = new WeightLoader(file, cpu, null);
        ModelWeights cpuW = arch.load(onCpu, config);
        onRefSplit = new WeightLoader(file, ref, null, LayerSplit.offloadedTensors(2, config.nLayer()), onCpu);
        ModelWeights refW = arch.load(onRefSplit, config);
        split = new LayerSplit(List.of(new LayerSplit.Segment(ref, refW, 0, 2),
                new LayerSplit.Segment(cpu, cpuW, 2, config.nLayer())), config.nLayer());
    }

    @AfterAll
    static void close() {
        for (AutoCloseable c : new AutoCloseable[] {onRefSplit, onCpu, onRef, cpu, ref, file}) {
            try {
                if (c != null) c.close();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }
    }

    @Test
    void weightsAndCacheAreOnTheirLayersDevice() {
        ModelWeights refW = split.first().weights(), cpuW = split.last().weights();
        assertSame(ref, refW.layer(0).wq().buffer().device());
        assertSame(ref, refW.layer(1).ffnDown().buffer().device());
        assertSame(ref, refW.tokEmbd().buffer().device());
        // the reference loader hands out the CPU loader's tensors for the layers it does not hold: the same objects
        assertSame(cpuW.layer(2).wq(), refW.layer(2).wq());
        assertSame(cpuW.output(), refW.output());
        assertSame(cpu, cpuW.output().buffer().device());
        assertNotSame(refW.layer(0).wq(), cpuW.layer(0).wq());
        try (InferenceContext ctx = new InferenceContext(arch, config, split, 32, GgmlType.F32, 4)) {
            for (int l = 0; l < config.nLayer(); l++) {
                Device want = l < 2 ? ref : cpu;
                assertSame(want, ctx.kvCache().kStorage(l).buffer().device(), "K cache of layer " + l);
                assertSame(want, ctx.kvCache().vStorage(l).buffer().device(), "V cache of layer " + l);
            }
        }
    }

    @Test
    void splitLogitsAndHiddenStatesEqualTheWholeModel() {
        int[] prompt = {1, 403, 407, 261, 378, 472, 324, 268, 265};
        try (InferenceContext a = new InferenceContext(arch, config, whole, 32, GgmlType.F32, 4);
             InferenceContext b = new InferenceContext(arch, config, split, 32, GgmlType.F32, 4)) {
            Batch batch = new Batch();
            for (int i = 0; i < prompt.length; i++) batch.add(prompt[i], i, 0, i % 2 == 0 || i == prompt.length - 1);
            Logits la = a.decode(batch, true), lb = b.decode(batch, true);
            assertEquals(la.rows(), lb.rows());
            double d = 0, dh = 0;
            for (int r = 0; r < la.rows(); r++) {
                d = Math.max(d, maxDiff(la.row(r), lb.row(r)));
                dh = Math.max(dh, maxDiff(la.hiddenRow(r), lb.hiddenRow(r)));
            }
            // then token by token: one-token micro-batches through both devices
            for (int step = 0; step < 8; step++) {
                int next = argmax(la.last());
                Batch one = new Batch().add(next, prompt.length + step, 0, true);
                la = a.decode(one);
                lb = b.decode(one);
                d = Math.max(d, maxDiff(la.last(), lb.last()));
                assertEquals(argmax(la.last()), argmax(lb.last()), "greedy step " + step);
            }
            System.out.printf("split reference[0,2) + cpu[2,5) vs reference: max |logit diff| %.2e, hidden %.2e%n", d, dh);
            assertTrue(d < 1e-4, "logits differ by " + d);
            assertTrue(dh < 1e-4, "hidden states differ by " + dh);
        }
    }

    @Test
    void hostBackendIgnoresGpuLayersWithANotice() {
        try (Model m = Quanta.load(ModelOptions.of(TestData.require("stories260K/stories260K.gguf")).withBackend("reference")
                .withContextLength(16).withGpuLayers(GpuLayers.of(2)))) {
            assertEquals(0, m.gpuLayers());
            assertFalse(m.split().isSplit());
            assertSame(m.device(), m.split().deviceOfLayer(4));
            assertTrue(m.notices().stream().anyMatch(n -> n.contains("--gpu-layers 2 is ignored")), m.notices().toString());
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
