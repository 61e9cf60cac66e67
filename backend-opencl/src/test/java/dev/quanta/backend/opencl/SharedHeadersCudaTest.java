package dev.quanta.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The shared headers ({@code kernels/common.h}, {@code kernels/quants.h}) compile as CUDA C too:
 * a .cu translation unit that instantiates every decoder, dot, quantizer, reduction and the RoPE
 * and activation helpers is compiled with {@code nvcc -ptx --Werror all-warnings}. Without nvcc on
 * the PATH this is a reported skip; the OpenCL half of the claim is every other test in this module.
 */
class SharedHeadersCudaTest {
    /** Every dot32_T of quants.h; a new type added to the header must be added here to be checked. */
    static final List<String> DOT_TYPES = List.of("f32", "f16", "bf16", "q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q8_1",
            "q2_K", "q3_K", "q4_K", "q5_K", "q6_K", "q8_K", "iq4_nl", "iq4_xs");

    @Test
    void everyDotOfQuantsHIsInstantiated() {
        Matcher m = Pattern.compile("INLINE float dot32_(\\w+)\\(").matcher(KernelSources.read("kernels/quants.h"));
        List<String> found = new ArrayList<>();
        while (m.find()) found.add(m.group(1));
        assertEquals(DOT_TYPES.stream().sorted().toList(), found.stream().sorted().toList(),
                "dot32_* functions of quants.h (keep DOT_TYPES in step)");
    }

    @Test
    void commonAndQuantsCompileAsCudaC() throws Exception {
        Path nvcc = findNvcc();
        if (nvcc == null) {
            System.out.println("SKIP SharedHeadersCudaTest: nvcc not on the PATH");
            Assumptions.abort("nvcc not on the PATH: the CUDA C compile of common.h/quants.h is not checked here");
        }
        Path dir = Files.createDirectories(Path.of("target", "cuda-headers"));
        for (String h : List.of("common.h", "quants.h"))
            Files.writeString(dir.resolve(h), KernelSources.read("kernels/" + h), StandardCharsets.UTF_8);
        StringBuilder cu = new StringBuilder("#include \"quants.h\"\n");
        for (String t : DOT_TYPES) {
            cu.append("extern \"C\" __global__ void dot_").append(t).append("(const uchar* w, const float* x, float* y, int k) {\n")
              .append("    __shared__ float s[32]; float a = 0.0f;\n")
              .append("    for (int c = LID(); c < (k + 31) / 32; c += LSIZE()) a += dot32_").append(t)
              .append("(w, c, x + 32 * c, k - 32 * c);\n")
              .append("    a = wg_sum(a, s); if (LID() == 0) y[0] = a;\n}\n");
        }
        cu.append("""
                extern "C" __global__ void deq(int t, const uchar* r, float* y, int n) {
                    __shared__ float s[32];
                    int e = blockIdx.x * blockDim.x + threadIdx.x;
                    float v = e < n ? deq_any(t, r, e) : 0.0f;
                    float m = wg_max(v, s);
                    float c, sn;
                    rope_yarn(v, 1.0f, 0.0f, 1.0f, e, 1.0f, 1.0f, &c, &sn);
                    ulong at = (ulong) e;
                    if (e < n) y[at] = v + m + op_silu(v) + op_gelu(c) + sn + bf16_to_f32(f32_to_bf16(v)) + (float) ld_u32(r);
                }
                extern "C" __global__ void quant(int t, const float* x, uchar* row, int nb) {
                    int i = blockIdx.x * blockDim.x + threadIdx.x;
                    if (i < nb) quantize_block(t, x, row, i);
                }
                """);
        Path src = dir.resolve("headers_check.cu"), ptx = dir.resolve("headers_check.ptx");
        Files.writeString(src, cu, StandardCharsets.UTF_8);
        Files.deleteIfExists(ptx);
        Process p = new ProcessBuilder(nvcc.toString(), "-ptx", "-arch=compute_75", "--Werror", "all-warnings",
                "-I", dir.toString(), "-o", ptx.toString(), src.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "nvcc did not finish in 120 s");
        assertEquals(0, p.exitValue(), "nvcc -ptx of common.h + quants.h failed:\n" + out);
        String text = Files.readString(ptx);
        int entries = text.split("\\.entry", -1).length - 1;
        assertEquals(DOT_TYPES.size() + 2, entries, "kernels in the PTX");
    }

    private static Path findNvcc() throws IOException {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String d : path.split(java.io.File.pathSeparator)) {
            Path c = Path.of(d, "nvcc");
            if (Files.isExecutable(c)) return c;
        }
        return null;
    }
}
