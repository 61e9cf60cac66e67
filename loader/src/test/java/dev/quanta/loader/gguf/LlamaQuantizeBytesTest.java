package dev.quanta.loader.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.quant.QuantCodec;
import dev.quanta.kernels.quant.QuantCodecs;
import dev.quanta.kernels.testing.TestData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our reference quantizers against llama.cpp's own bytes: the reference qwen2 models were made
 * by llama-quantize (no importance matrix) from the F16 parent qwen2-f16. Every tensor of the
 * quantized file is re-quantized here from the parent's values (F16 → float exactly, as ggml
 * does) with the codec of the type llama-quantize chose, and must come out byte for byte equal.
 * The companion round-trip and hand-written-block tests live in the kernels quant package.
 */
class LlamaQuantizeBytesTest {

    @ParameterizedTest
    @ValueSource(strings = {"qwen2-q4_0-pure", "qwen2-q4_0", "qwen2-q8_0", "qwen2-q4_k_m-pure", "qwen2-q4_k_m"})
    void requantizingTheF16ParentGivesLlamaQuantizesBytes(String model) {
        Path parentPath = TestData.require("reference/qwen2-f16/model.gguf");
        Path quantPath = TestData.require("reference/" + model + "/model.gguf");
        Map<GgmlType, Integer> verified = new TreeMap<>();
        try (GgufFile parent = GgufFile.open(parentPath); GgufFile quant = GgufFile.open(quantPath); Arena arena = Arena.ofConfined()) {
            assertEquals(parent.tensors().size(), quant.tensors().size(), "tensor count");
            for (GgufTensorInfo qt : quant.tensors()) {
                GgufTensorInfo pt = parent.requireTensor(qt.name());
                assertTrue(java.util.Arrays.equals(pt.ne(), qt.ne()), qt.name() + ": shape differs");
                QuantCodec target = QuantCodecs.of(qt.type());
                if (!target.canQuantize()) fail(qt.name() + ": no reference quantizer for " + qt.type().ggmlName());
                int n = Math.toIntExact(pt.nelements());
                float[] values = new float[n];
                QuantCodecs.of(pt.type()).dequantizeRow(parent.tensorData(pt), 0, values, 0, n);
                MemorySegment ours = arena.allocate(qt.byteSize());
                target.quantizeRowRef(values, 0, ours, 0, n);
                MemorySegment theirs = quant.tensorData(qt);
                long mismatch = ours.mismatch(theirs);
                if (mismatch >= 0) {
                    long block = mismatch / qt.type().typeSize;
                    fail(model + " " + qt.name() + " (" + qt.type().ggmlName() + " " + qt.shapeString() + "): first differing byte "
                            + mismatch + " (block " + block + ", byte " + mismatch % qt.type().typeSize + " of it): ours "
                            + (ours.get(java.lang.foreign.ValueLayout.JAVA_BYTE, mismatch) & 0xff) + ", llama-quantize "
                            + (theirs.get(java.lang.foreign.ValueLayout.JAVA_BYTE, mismatch) & 0xff));
                }
                verified.merge(qt.type(), 1, Integer::sum);
            }
        }
        System.out.println(model + ": byte-exact tensors by type " + verified);
    }
}
