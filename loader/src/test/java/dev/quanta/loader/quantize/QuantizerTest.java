package dev.quanta.loader.quantize;

import static org.junit.jupiter.api.Assertions.*;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.quant.QuantCodecs;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufTensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Whole files quantized from qwen2-f16 must equal llama-quantize's output byte for byte. */
class QuantizerTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"Q8_0,false,qwen2-q8_0", "Q4_0,true,qwen2-q4_0-pure", "Q4_0,false,qwen2-q4_0", "Q4_K_M,false,qwen2-q4_k_m", "Q4_K_M,true,qwen2-q4_k_m-pure"})
    void qwen2F16QuantizesLikeLlamaCpp(String type, boolean pure, String reference) throws Exception {
        Path in = TestData.require("reference/qwen2-f16/model.gguf");
        Path ref = TestData.require("reference/" + reference + "/model.gguf");
        try (GgufFile r = GgufFile.open(ref)) {
            for (GgufTensorInfo t : r.tensors()) {
                boolean can = QuantCodecs.supported(t.type()) && QuantCodecs.of(t.type()).canQuantize();
                if (!can) {
                    String why = "skipped: no quantizer for " + t.type() + " yet (needed for " + reference + ")";
                    System.out.println(why);
                    Assumptions.abort(why);
                }
            }
        }
        Path out = dir.resolve(reference + ".gguf");
        AtomicLong last = new AtomicLong(-1);
        Quantizer.quantize(in, out, new Quantizer.Options(LlamaFtype.parse(type), pure, 2, false, (d, tot, name) -> {
            assertTrue(d > last.get() && d <= tot);
            last.set(d);
        }));
        long mismatch = Files.mismatch(ref, out);
        if (mismatch >= 0) {
            try (GgufFile a = GgufFile.open(ref); GgufFile b = GgufFile.open(out)) {
                assertEquals(a.metadata().asMap(), b.metadata().asMap(), "metadata");
                for (GgufTensorInfo t : a.tensors()) {
                    GgufTensorInfo u = b.requireTensor(t.name());
                    assertEquals(t.type(), u.type(), t.name());
                    assertEquals(-1L, a.tensorData(t).mismatch(b.tensorData(u)), t.name() + ": first differing byte");
                }
            }
            fail("files differ at byte " + mismatch);
        }
    }
}
