package dev.quanta.loader.gguf;

import static org.junit.jupiter.api.Assertions.*;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.testing.TestData;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class GgufFileTest {
    static Stream<String> allFiles() throws Exception {
        Path root = TestData.sharedRoot();
        if (root == null) return Stream.of("stories260K/stories260K.gguf"); // require() skips with a reason
        try (Stream<Path> s = Files.walk(root.resolve("testdata"))) {
            List<String> l = s.filter(p -> p.toString().endsWith(".gguf")).map(p -> root.resolve("testdata").relativize(p).toString()).sorted().toList();
            return l.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("allFiles")
    void everyTestdataGgufParses(String rel) {
        Path p = TestData.require(rel);
        try (GgufFile f = GgufFile.open(p)) {
            assertTrue(f.version() >= 1 && f.version() <= 3);
            long end = 0;
            for (GgufTensorInfo t : f.tensors()) {
                assertTrue(t.fileOffset() >= f.dataStart());
                assertEquals(t.nelements() / t.type().blockSize * t.type().typeSize, t.byteSize());
                end = Math.max(end, t.fileOffset() + t.byteSize());
                if (!t.rowsBlockAligned()) assertTrue(rel.contains("q8_0") && t.name().contains("ffn_down"), t.name());
            }
            assertTrue(end <= f.fileSize());
            for (GgufValue v : f.metadata().asMap().values()) assertNotNull(v.display(4));
        }
    }

    @Test
    void versionsAndTypesOfKnownFiles() {
        record Want(String file, int version, int tensors, GgmlType someType) {}
        for (Want w : List.of(
                new Want("stories260K-legacy/tinyllamas-stories-260k-f32.gguf", 1, 48, GgmlType.F32),
                new Want("stories260K-legacy/tinyllamas-stories-260k-q8_0.gguf", 2, 48, GgmlType.Q8_0),
                new Want("gguf-legacy/ggml-vocab-llama.v1.gguf", 1, 0, null),
                new Want("gguf-legacy/ggml-vocab-falcon.v2.gguf", 2, 0, null),
                new Want("tiny-random/llama-2-tiny-random.gguf", 3, -1, GgmlType.F16),
                new Want("vocab/ggml-vocab-llama-bpe.gguf", 3, 0, null))) {
            try (GgufFile f = GgufFile.open(TestData.require(w.file))) {
                assertEquals(w.version, f.version(), w.file);
                if (w.tensors >= 0) assertEquals(w.tensors, f.tensors().size(), w.file);
                if (w.someType != null) assertTrue(f.tensors().stream().anyMatch(t -> t.type() == w.someType), w.file);
                if (w.tensors == 0) assertTrue(f.metadata().getStringArray("tokenizer.ggml.tokens").length > 1000, w.file);
            }
        }
    }

    /** The v2 Q8_0 file's ffn_down (ne0 = 172) was quantized as one flat array of blocks: decoding it flat gives the F32 weights. */
    @Test
    void legacyFlatQuantizedTensorDecodesFlat() {
        try (GgufFile q = GgufFile.open(TestData.require("stories260K-legacy/tinyllamas-stories-260k-q8_0.gguf"));
             GgufFile f = GgufFile.open(TestData.require("stories260K-legacy/tinyllamas-stories-260k-f32.gguf"))) {
            int flat = 0;
            for (GgufTensorInfo t : q.tensors()) {
                GgufTensorInfo r = f.requireTensor(t.name());
                assertArrayEquals(r.ne(), t.ne(), t.name());
                if (t.type() != GgmlType.Q8_0) continue;
                if (!t.rowsBlockAligned()) {
                    flat++;
                    assertEquals(172, t.ne()[0]);
                    GgufException e = assertThrows(GgufException.class, t::rowBytes);
                    assertTrue(e.getMessage().contains(t.name()) && e.getMessage().contains("flat"), e.getMessage());
                }
                float[] a = q.dequantize(t), b = f.dequantize(r);
                double err = 0, ref = 0;
                for (int i = 0; i < a.length; i++) {
                    err += (a[i] - b[i]) * (double) (a[i] - b[i]);
                    ref += b[i] * (double) b[i];
                }
                assertTrue(err / ref < 1e-3, t.name() + " nmse " + err / ref);
            }
            assertEquals(5, flat, "ffn_down of each of the 5 layers");
        }
    }

    @Test
    void notAGgufGivesOneClearLine(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path p = dir.resolve("x.bin");
        Files.writeString(p, "hello world, not a model");
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.open(p));
        assertTrue(e.getMessage().contains("not a GGUF file") && e.getMessage().contains("x.bin"), e.getMessage());
        assertThrows(GgufException.class, () -> GgufFile.open(dir.resolve("missing.gguf")));
        Files.write(p, new byte[0]);
        assertThrows(GgufException.class, () -> GgufFile.open(p));
    }

    @Test
    void bigEndianIsRejectedByName() {
        byte[] b = {'G', 'G', 'U', 'F', 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.parse(Path.of("be.gguf"), MemorySegment.ofArray(b)));
        assertTrue(e.getMessage().contains("big-endian"), e.getMessage());
    }

    @Test
    void invalidUtf8StringsRoundTripByteExactly() {
        byte[][] cases = {{(byte) 0xE2, (byte) 0x96}, {(byte) 0xFF}, {'a', (byte) 0xC0, (byte) 0x80, 'b'}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80, (byte) 0x80}, "héllo ▁wörld 😀".getBytes(java.nio.charset.StandardCharsets.UTF_8), {}};
        for (byte[] c : cases) {
            String s = GgufStrings.decode(c);
            assertArrayEquals(c, GgufStrings.encode(s), java.util.Arrays.toString(c));
        }
        assertTrue(GgufStrings.hasEscapedBytes(GgufStrings.decode(new byte[] {(byte) 0xE2, (byte) 0x96})));
        assertFalse(GgufStrings.hasEscapedBytes("plain ▁ text 😀"));
    }

    @Test
    void unsignedValuesDisplayUnsigned() {
        assertEquals("4294967295", GgufValue.ofU32(-1).display(4));
        assertEquals(4294967295L, GgufValue.ofU32(-1).plainValue());
        assertEquals("18446744073709551615", GgufValue.ofU64(-1).display(4));
        GgufValue a = GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.UINT32, new int[] {-1, 7}));
        assertTrue(a.display(4).contains("4294967295"), a.display(4));
    }
}
