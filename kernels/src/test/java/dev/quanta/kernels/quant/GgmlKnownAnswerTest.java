package dev.quanta.kernels.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quanta.kernels.GgmlType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Known answers from ggml itself, for every type (the qwen2 reference models, checked in the
 * loader module, only contain Q4_0, Q8_0, Q4_K and Q6_K).
 *
 * <p>How the digests were made: ggml/src/ggml-quants.c of llama.cpp c392e509 (the build that made
 * the reference models) compiled alone with {@code gcc 12 -O2 -std=gnu11} for x86-64 (no FMA
 * contraction possible, as in llama.cpp's ggml-base) and a small driver that (a) fills 4096
 * floats with {@link #input} and writes {@code quantize_row_<type>_ref} of them ("q_TYPE": SHA-256
 * of the bytes), (b) fills a buffer with {@link #randomBlocks} and writes
 * {@code dequantize_row_<type>} of it ("d_TYPE": SHA-256 of the little-endian floats). The two
 * generators below are integer-only (an LCG), so Java reproduces their input exactly.
 */
class GgmlKnownAnswerTest {
    static final int N = 4096;

    /** SHA-256 of ggml's output, see the class comment. */
    static final Map<String, String> GGML = Map.ofEntries(
            Map.entry("d_IQ4_NL", "3b97d0c9d20f8c2ecd62d5ff3ee8af2c2c2b6853790ccd2331c76e31ebd3c189"),
            Map.entry("d_IQ4_XS", "f47e39dfb63c57f70e4936087f7315ddb9a578c1c50d38d11bb31f5b2bf5e0df"),
            Map.entry("d_Q2_K", "af465fe8347ec088209ef9a0890e8bc5e8a5949f5c4f9ccef8b9843ff33f1888"),
            Map.entry("d_Q3_K", "06eb13972dd27729c9a7fb540d0fa258812d0063e0d89112644f3bc1c63d9f59"),
            Map.entry("d_Q4_0", "e8cd821ebf53f684f15e07e8e9b187c390f29e0d4ccf125c199399936037b0c9"),
            Map.entry("d_Q4_1", "c1a8e857e344d617632bc9647a67e04f13e9ec944c43171f9b9ed994f7cb1899"),
            Map.entry("d_Q4_K", "d799f082b4007495efccbc3efd6e287ae55c4241a7de42b8e54959de1029f58f"),
            Map.entry("d_Q5_0", "bd985706bef7dfdd29c51cbdca79130f5c01515f7b1cd482be3533a443573310"),
            Map.entry("d_Q5_1", "205ed95ba81fb97d57180031452ebd45a78f385e8aa9b8b83b41f3fb8ece5e90"),
            Map.entry("d_Q5_K", "81a68e047c8d39a7acdff5fb1ddd3d33a5d5cbe3ebddff4aa45ee55d2dac3360"),
            Map.entry("d_Q6_K", "9520d7c219dd733c99c05aea4c19539d1f6b8023870c4b30ff2c34588722dcab"),
            Map.entry("d_Q8_0", "bedd7ac6fa36f6d4f3ab9abd47ae8873bbe2050f26a4c4c9b776bb9ed412a872"),
            Map.entry("d_Q8_K", "ad20b9727601467f7097af4d644d7a4e10c891d3cd4ced7b5e429852d543ce74"),
            Map.entry("q_Q2_K", "01d542f373697d43861440e44c307d036040d906acb77e53b72c391e51764d24"),
            Map.entry("q_Q3_K", "d1d2f4f137fc918693b21a508fee391d350d383eb1228a3ad68716c5f9e2cd95"),
            Map.entry("q_Q4_0", "98b49fb94364718b8d0e4e473de994ef990a1fbf13723675473e14acdfc869fc"),
            Map.entry("q_Q4_1", "a6dd2197341ea8ecd0560b4fa5fcbd9cdf2c7c265b251b4c8075499b42f618ec"),
            Map.entry("q_Q4_K", "dede055103324c1972bcf2dbc55f84d504c7cb6b0a3cbc9808b6791a51c779a4"),
            Map.entry("q_Q5_0", "f35d141d8aa9a84d5c182861c5ea434715d8a5163d27fe996b8ea49b92479454"),
            Map.entry("q_Q5_1", "3f009a5e33269a09da876f52056df777db83dbcb68112119b46e477b97de9edc"),
            Map.entry("q_Q5_K", "2b3c4fc3126907d124283159bbfb56d8080bddb62ef1d8e27251a967b1b36f95"),
            Map.entry("q_Q6_K", "a5919c5d2eca61d5b4ca78a3e260e8a1c762ff8066b21a685174a5de795f29c2"),
            Map.entry("q_Q8_0", "41727c6731d089908884a3e4c7ba871cb2dde06acc4ee1dd67fbcba6112097c1"),
            Map.entry("q_Q8_1", "77d0f8329ce1b0fa491239abf3d5a9b0a94b1683a5f438557cb1fb20b15e7c79"),
            Map.entry("q_Q8_K", "7941f9d88b18c65e10c71b615bd19245fd13a062d47dd3d9b4bcc90900d0bd53"));

    private long st;

    private int next() {
        st = st * 6364136223846793005L + 1442695040888963407L;
        return (int) (st >>> 33);
    }

    /** Uniform in [-1, 1], exactly as the C driver: (float)(r % 2000001 - 1000000) * 1e-6f. */
    private float uni() {
        return (float) (next() % 2000001 - 1000000) * 1e-6f;
    }

    /**
     * The input: 16 super-blocks cycling through uniform, bell-shaped, sparse outliers, all
     * positive, all negative, zero/constant/tiny groups, values below GROUP_MAX_EPS, and large.
     */
    float[] input() {
        st = 12345;
        float[] x = new float[N];
        for (int i = 0; i < N; i++) {
            int k = i % 256;
            x[i] = switch ((i / 256) % 8) {
                case 0 -> uni();
                case 1 -> {
                    float a = uni(), b = uni(), c = uni(), d = uni();
                    yield ((a + b) + c) + d;
                }
                case 2 -> k % 32 == 5 ? 20.0f * uni() : 0.05f * uni();
                case 3 -> 2.0f + uni();
                case 4 -> -3.0f + 0.5f * uni();
                case 5 -> k < 64 ? 0.0f : k < 128 ? 0.75f : 1e-3f * uni();
                case 6 -> 1e-20f * uni();
                default -> 1000.0f * uni();
            };
        }
        return x;
    }

    /** Random bytes for N elements of {@code t} with bit 6 of each scale's top byte cleared (finite scales). */
    byte[] randomBlocks(GgmlType t) {
        st = 999;
        byte[] b = new byte[N / 256 * 292];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (next() & 0xff);
        int[] f16 = switch (t) {
            case Q4_0, Q5_0, Q8_0, IQ4_NL, IQ4_XS -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> new int[0];
        };
        for (int blk = 0; blk < N / t.blockSize; blk++) {
            for (int p : f16) b[blk * t.typeSize + p + 1] &= (byte) 0xbf;
            if (t == GgmlType.Q8_K) b[blk * t.typeSize + 3] &= (byte) 0xbf; // f32 d
        }
        return b;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K"})
    void quantizeGivesGgmlsBytes(GgmlType t) throws Exception {
        QuantCodec c = QuantCodecs.of(t);
        byte[] out = new byte[(int) t.rowBytes(N)];
        c.quantizeRowRef(input(), 0, MemorySegment.ofArray(out), 0, N);
        assertEquals(GGML.get("q_" + t.ggmlName()), sha256(out), t + ": quantize_row_" + t.ggmlName().replaceFirst("^Q", "q") + "_ref bytes differ");
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ4_NL", "IQ4_XS"})
    void dequantizeGivesGgmlsFloats(GgmlType t) throws Exception {
        float[] y = new float[N];
        QuantCodecs.of(t).dequantizeRow(MemorySegment.ofArray(randomBlocks(t)), 0, y, 0, N);
        ByteBuffer bb = ByteBuffer.allocate(4 * N).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : y) bb.putFloat(v);
        assertEquals(GGML.get("d_" + t.ggmlName()), sha256(bb.array()), t + ": dequantize_row floats differ");
    }
}
