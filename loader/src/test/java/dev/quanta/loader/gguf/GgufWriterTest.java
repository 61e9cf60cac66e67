package dev.quanta.loader.gguf;

import static org.junit.jupiter.api.Assertions.*;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.testing.TestData;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class GgufWriterTest {
    @TempDir
    Path dir;

    static Stream<String> v3Files() throws Exception {
        return GgufFileTest.allFiles().filter(f -> !f.contains("legacy"));
    }

    @ParameterizedTest
    @MethodSource("v3Files")
    void rewritingAV3FileIsByteIdentical(String rel) throws Exception {
        Path src = TestData.require(rel);
        Path out = dir.resolve("copy.gguf");
        try (GgufFile f = GgufFile.open(src)) {
            assertEquals(3, f.version(), rel);
            GgufWriter w = GgufWriter.copyOf(f);
            assertEquals(Files.size(src), w.fileSize(), rel);
            w.write(out);
        }
        assertEquals(-1L, Files.mismatch(src, out), rel + ": first differing byte");
    }

    @Test
    void generatedModelRoundTrips() throws Exception {
        long seed = TestData.seed("generatedModelRoundTrips", 7);
        Random r = new Random(seed);
        GgufWriter w = new GgufWriter();
        w.set("general.architecture", GgufValue.ofString("llama"));
        w.set("general.alignment", GgufValue.ofU32(64));
        w.set("u8", new GgufValue(GgufValueType.UINT8, 255));
        w.set("i8", new GgufValue(GgufValueType.INT8, -128));
        w.set("u16", new GgufValue(GgufValueType.UINT16, 65535));
        w.set("i16", new GgufValue(GgufValueType.INT16, -32768));
        w.set("u32", GgufValue.ofU32(-1));
        w.set("i32", GgufValue.ofI32(Integer.MIN_VALUE));
        w.set("u64", GgufValue.ofU64(-1L));
        w.set("i64", new GgufValue(GgufValueType.INT64, Long.MIN_VALUE));
        w.set("f32", GgufValue.ofF32(Float.NaN));
        w.set("f64", new GgufValue(GgufValueType.FLOAT64, Math.PI));
        w.set("bool", GgufValue.ofBool(true));
        w.set("str.bad_utf8", GgufValue.ofString(GgufStrings.decode(new byte[] {'x', (byte) 0xE2, (byte) 0x96})));
        w.set("str.unicode", GgufValue.ofString("▁héllo 😀\n"));
        w.set("arr.str", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.STRING, new String[] {"a", "", GgufStrings.decode(new byte[] {(byte) 0xFF})})));
        w.set("arr.f32", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.FLOAT32, new float[] {1f, -0f, Float.MAX_VALUE})));
        w.set("arr.u8", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.UINT8, new int[] {0, 255})));
        w.set("arr.i16", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.INT16, new int[] {-1, 300})));
        w.set("arr.u64", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.UINT64, new long[] {-1L, 5})));
        w.set("arr.f64", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.FLOAT64, new double[] {0.5})));
        w.set("arr.bool", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.BOOL, new boolean[] {true, false})));
        w.set("arr.nested", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.ARRAY, new GgufValue.GgufArray[] {
                new GgufValue.GgufArray(GgufValueType.INT32, new int[] {1, 2}), new GgufValue.GgufArray(GgufValueType.STRING, new String[] {"z"})})));
        w.set("arr.empty", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.INT32, new int[0])));
        LinkedHashMap<String, byte[]> data = new LinkedHashMap<>();
        Object[][] specs = {{"a", GgmlType.F32, new long[] {7}}, {"b", GgmlType.F16, new long[] {3, 5, 2}}, {"c", GgmlType.Q8_0, new long[] {64, 3}},
                {"d", GgmlType.Q4_K, new long[] {256, 2, 1, 2}}, {"e", GgmlType.Q6_K, new long[] {512, 1}}, {"f", GgmlType.BF16, new long[] {1, 1}}};
        for (Object[] s : specs) {
            GgmlType t = (GgmlType) s[1];
            long[] ne = (long[]) s[2];
            long n = 1;
            for (long d : ne) n *= d;
            byte[] b = new byte[(int) (n / t.blockSize * t.typeSize)];
            r.nextBytes(b);
            data.put((String) s[0], b);
            w.addTensor((String) s[0], t, ne, GgufWriter.TensorSource.of(b));
        }
        Path out = dir.resolve("gen.gguf");
        w.write(out);
        assertEquals(w.fileSize(), Files.size(out));
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(64, f.alignment());
            assertEquals(w.metadata(), f.metadata().asMap());
            assertEquals(List.copyOf(w.metadata().keySet()), List.copyOf(f.metadata().asMap().keySet()));
            assertEquals(specs.length, f.tensors().size());
            for (int i = 0; i < specs.length; i++) {
                GgufTensorInfo t = f.tensors().get(i);
                assertEquals(specs[i][0], t.name());
                assertEquals(specs[i][1], t.type());
                assertArrayEquals((long[]) specs[i][2], t.ne());
                assertEquals(0, t.fileOffset() % 64);
                assertArrayEquals(data.get(t.name()), f.tensorData(t).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), t.name());
            }
            // and the written file is itself stable under copy
            Path again = dir.resolve("again.gguf");
            GgufWriter.copyOf(f).write(again);
            assertEquals(-1L, Files.mismatch(out, again));
        }
    }

    @Test
    void failedWriteLeavesNoFileAndKeepsTheOldOne() throws Exception {
        Path out = dir.resolve("model.gguf");
        Files.writeString(out, "previous content");
        GgufWriter w = new GgufWriter().set("general.architecture", GgufValue.ofString("llama"));
        w.addTensor("t", GgmlType.F32, new long[] {1 << 20}, sink -> {
            sink.write(MemorySegment.ofArray(new byte[1 << 20]));
            throw new IOException("interrupted on purpose");
        });
        IOException e = assertThrows(IOException.class, () -> w.write(out));
        assertEquals("interrupted on purpose", e.getMessage());
        assertEquals("previous content", Files.readString(out));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(out), s.toList(), "no temporary file left behind");
        }
    }

    @Test
    void aSourceOfTheWrongSizeIsNamed() throws Exception {
        Path out = dir.resolve("short.gguf");
        GgufWriter w = new GgufWriter();
        w.addTensor("blk.0.attn_q.weight", GgmlType.Q8_0, new long[] {32, 2}, GgufWriter.TensorSource.of(new byte[67]));
        GgufException e = assertThrows(GgufException.class, () -> w.write(out));
        assertTrue(e.getMessage().contains("blk.0.attn_q.weight") && e.getMessage().contains("68"), e.getMessage());
        assertFalse(Files.exists(out));
        GgufWriter w2 = new GgufWriter();
        w2.addTensor("x", GgmlType.F32, new long[] {2}, GgufWriter.TensorSource.of(new byte[9]));
        assertThrows(GgufException.class, () -> w2.write(out));
        assertFalse(Files.exists(out));
    }
}
