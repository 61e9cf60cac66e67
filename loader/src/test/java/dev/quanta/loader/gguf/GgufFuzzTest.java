package dev.quanta.loader.gguf;

import static org.junit.jupiter.api.Assertions.*;

import dev.quanta.kernels.testing.TestData;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A seeded corpus of mutated and truncated GGUF images made from the real files in testdata: every
 * one must give a clean parse or a {@link GgufException} — never another exception, an
 * OutOfMemoryError or a hang. Images are parsed in memory ({@link GgufFile#parse}).
 */
class GgufFuzzTest {
    static final String[] FILES = {
            "stories260K/stories260K.gguf",
            "stories260K-legacy/tinyllamas-stories-260k-f32.gguf",
            "stories260K-legacy/tinyllamas-stories-260k-q8_0.gguf",
            "gguf-legacy/ggml-vocab-llama.v1.gguf",
            "reference/qwen2-q4_0/model.gguf",
            "tiny-random/llama-2-tiny-random.gguf",
    };
    static final int PER_FILE = 360;

    /** Kinds of fields found by walking the structure (independently of the parser under test). */
    enum Kind { VERSION, COUNT, STRLEN, VTYPE, ATYPE, ACOUNT, NDIMS, NE, TTYPE, TOFFSET, BOOL }

    record Field(Kind kind, long at, int width) {}

    /** Walks a valid image and records where its length/count/type fields are (arrays: first elements only). */
    static final class Walker {
        final ByteBuffer b;
        final boolean v1;
        final List<Field> fields = new ArrayList<>();
        final List<Long> regions = new ArrayList<>();
        int p;

        Walker(byte[] img) {
            b = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
            v1 = b.getInt(4) == 1;
            fields.add(new Field(Kind.VERSION, 4, 4));
            p = 8;
            long nt = cnt(Kind.COUNT), nkv = cnt(Kind.COUNT);
            for (long i = 0; i < nkv; i++) {
                regions.add((long) p);
                str();
                int t = u32(Kind.VTYPE);
                val(t, true);
            }
            for (long i = 0; i < nt; i++) {
                regions.add((long) p);
                str();
                int nd = u32(Kind.NDIMS);
                for (int d = 0; d < nd; d++) cnt(Kind.NE);
                u32(Kind.TTYPE);
                fields.add(new Field(Kind.TOFFSET, p, 8));
                p += 8;
            }
            regions.add((long) p);
        }

        long cnt(Kind k) {
            fields.add(new Field(k, p, v1 ? 4 : 8));
            long v = v1 ? Integer.toUnsignedLong(b.getInt(p)) : b.getLong(p);
            p += v1 ? 4 : 8;
            return v;
        }

        int u32(Kind k) {
            fields.add(new Field(k, p, 4));
            int v = b.getInt(p);
            p += 4;
            return v;
        }

        void str() {
            long n = cnt(Kind.STRLEN);
            p += (int) n;
        }

        void val(int t, boolean record) {
            int before = fields.size();
            switch (t) {
                case 0, 1, 7 -> { if (t == 7 && record) fields.add(new Field(Kind.BOOL, p, 1)); p += 1; }
                case 2, 3 -> p += 2;
                case 4, 5, 6 -> p += 4;
                case 10, 11, 12 -> p += 8;
                case 8 -> str();
                case 9 -> {
                    int et = u32(Kind.ATYPE);
                    fields.set(fields.size() - 1, new Field(Kind.ATYPE, p - 4, 4));
                    fields.add(new Field(Kind.ACOUNT, p, v1 ? 4 : 8));
                    long n = v1 ? Integer.toUnsignedLong(b.getInt(p)) : b.getLong(p);
                    p += v1 ? 4 : 8;
                    for (long i = 0; i < n; i++) val(et, i < 3);
                }
                default -> throw new IllegalStateException("type " + t);
            }
            if (!record) while (fields.size() > before) fields.remove(fields.size() - 1);
        }
    }

    @Test
    void mutatedAndTruncatedImagesNeverEscapeGgufException() {
        long seed = TestData.seed("GgufFuzzTest", 20250220L);
        List<byte[]> originals = new ArrayList<>();
        for (String f : FILES) {
            try {
                originals.add(Files.readAllBytes(TestData.require(f)));
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }
        int[] outcome = new int[2];
        List<String> failures = new ArrayList<>();
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int fi = 0; fi < originals.size(); fi++) {
                byte[] orig = originals.get(fi);
                Walker w = new Walker(orig);
                SplittableRandom rnd = new SplittableRandom(seed * 31 + fi);
                for (int m = 0; m < PER_FILE; m++) {
                    String[] what = new String[1];
                    byte[] img = mutate(orig, w, rnd, m, what);
                    try (GgufFile g = GgufFile.parse(Path.of(FILES[fi] + "#" + m), MemorySegment.ofArray(img))) {
                        exercise(g);
                        outcome[0]++;
                    } catch (GgufException e) {
                        outcome[1]++;
                        assertNotNull(e.getMessage());
                    } catch (Throwable t) {
                        if (failures.size() < 10) failures.add(FILES[fi] + " mutant " + m + " (" + what[0] + "): " + t);
                    }
                }
            }
        });
        int total = outcome[0] + outcome[1] + failures.size();
        System.out.println("GgufFuzzTest: " + total + " images, " + outcome[0] + " parsed, " + outcome[1] + " GgufException");
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertTrue(total >= 2000, "corpus of " + total);
        assertTrue(outcome[0] > 50 && outcome[1] > 500, "both outcomes must occur: " + outcome[0] + " / " + outcome[1]);
    }

    /** What a caller does with a parsed file: read metadata, shapes and every tensor's bytes. */
    static void exercise(GgufFile g) {
        for (var e : g.metadata().asMap().entrySet()) e.getValue().display(3);
        if (g.metadata().has("general.architecture")) {
            try {
                g.metadata().architecture();
            } catch (GgufException ok) { /* wrong type: a clean error */ }
        }
        for (GgufTensorInfo t : g.tensors()) {
            t.rows();
            t.shapeString();
            MemorySegment s = g.tensorData(t);
            if (s.byteSize() > 0) s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, s.byteSize() - 1);
            if (t.rowsBlockAligned() && t.nelements() > 0) t.rowBytes();
        }
    }

    static final long[] HUGE = {Long.MAX_VALUE, -1L, 1L << 32, (1L << 32) - 1, 1L << 31, Integer.MAX_VALUE, 1L << 40, 0};

    static byte[] mutate(byte[] orig, Walker w, SplittableRandom rnd, int m, String[] what) {
        int kind = m % 8;
        long headerEnd = w.regions.get(w.regions.size() - 1);
        switch (kind) {
            case 0, 1 -> { // truncation at region boundaries (and next to them), and at random points
                long cut;
                if (kind == 0) {
                    long r = w.regions.get(rnd.nextInt(w.regions.size()));
                    cut = Math.max(0, Math.min(orig.length - 1, r + rnd.nextInt(-2, 3)));
                } else {
                    cut = rnd.nextInt(10) == 0 ? rnd.nextLong(orig.length) : rnd.nextLong(Math.min(orig.length, headerEnd + 64));
                }
                what[0] = "truncate at " + cut;
                return java.util.Arrays.copyOf(orig, (int) cut);
            }
            default -> {
                byte[] img = orig.clone();
                ByteBuffer b = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
                Field f;
                switch (kind) {
                    case 2 -> { // bit flips in the header region
                        int n = 1 + rnd.nextInt(4);
                        StringBuilder sb = new StringBuilder("flip");
                        for (int i = 0; i < n; i++) {
                            int at = (int) rnd.nextLong(headerEnd);
                            img[at] ^= (byte) (1 << rnd.nextInt(8));
                            sb.append(' ').append(at);
                        }
                        what[0] = sb.toString();
                    }
                    case 3 -> { // string lengths set huge / off by one
                        f = pick(w, rnd, Kind.STRLEN);
                        long v = rnd.nextBoolean() ? HUGE[rnd.nextInt(HUGE.length)] : get(b, f) + rnd.nextInt(-3, 4);
                        put(b, f, v);
                        what[0] = "strlen @" + f.at + " = " + v;
                    }
                    case 4 -> { // counts (tensor/kv/array) set huge
                        f = rnd.nextBoolean() ? pick(w, rnd, Kind.COUNT) : pick(w, rnd, Kind.ACOUNT);
                        if (f == null) f = pick(w, rnd, Kind.COUNT);
                        long v = rnd.nextInt(4) == 0 ? get(b, f) + rnd.nextInt(-2, 3) : HUGE[rnd.nextInt(HUGE.length)];
                        put(b, f, v);
                        what[0] = f.kind + " @" + f.at + " = " + v;
                    }
                    case 5 -> { // type ids changed (value types, array element types, tensor types, n_dims)
                        Kind k = new Kind[] {Kind.VTYPE, Kind.ATYPE, Kind.TTYPE, Kind.NDIMS, Kind.VERSION, Kind.BOOL}[rnd.nextInt(6)];
                        f = pick(w, rnd, k);
                        if (f == null) f = pick(w, rnd, Kind.VTYPE);
                        long v = rnd.nextInt(3) == 0 ? rnd.nextInt() : rnd.nextInt(-1, 45);
                        put(b, f, v);
                        what[0] = f.kind + " @" + f.at + " = " + v;
                    }
                    case 6 -> { // shapes and offsets
                        f = rnd.nextBoolean() ? pick(w, rnd, Kind.NE) : pick(w, rnd, Kind.TOFFSET);
                        if (f == null) f = pick(w, rnd, Kind.STRLEN);
                        long v = switch (rnd.nextInt(4)) {
                            case 0 -> HUGE[rnd.nextInt(HUGE.length)];
                            case 1 -> get(b, f) * 2;
                            case 2 -> get(b, f) + 32L * rnd.nextInt(-2, 3);
                            default -> rnd.nextLong(orig.length);
                        };
                        put(b, f, v);
                        what[0] = f.kind + " @" + f.at + " = " + v;
                    }
                    default -> { // several field mutations at once plus random bytes
                        StringBuilder sb = new StringBuilder("multi");
                        for (int i = 0; i < 3; i++) {
                            f = w.fields.get(rnd.nextInt(w.fields.size()));
                            long v = rnd.nextLong();
                            put(b, f, v);
                            sb.append(' ').append(f.kind).append('@').append(f.at);
                        }
                        int at = (int) rnd.nextLong(headerEnd);
                        img[at] = (byte) rnd.nextInt();
                        what[0] = sb.toString();
                    }
                }
                return img;
            }
        }
    }

    static Field pick(Walker w, SplittableRandom rnd, Kind k) {
        List<Field> l = w.fields.stream().filter(f -> f.kind == k).toList();
        return l.isEmpty() ? null : l.get(rnd.nextInt(l.size()));
    }

    static long get(ByteBuffer b, Field f) {
        return switch (f.width) {
            case 1 -> b.get((int) f.at);
            case 4 -> Integer.toUnsignedLong(b.getInt((int) f.at));
            default -> b.getLong((int) f.at);
        };
    }

    static void put(ByteBuffer b, Field f, long v) {
        switch (f.width) {
            case 1 -> b.put((int) f.at, (byte) v);
            case 4 -> b.putInt((int) f.at, (int) v);
            default -> b.putLong((int) f.at, v);
        }
    }
}
