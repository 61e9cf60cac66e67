package dev.quanta.loader.hub;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Small valid GGUF v3 files written by hand: a few metadata keys and one F32 tensor of seeded random values. */
final class TinyGguf {
    private TinyGguf() {}

    /** A file of about {@code 4 * elements + 200} bytes whose general.architecture is {@code arch}. */
    static byte[] bytes(String arch, String name, int elements, long seed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        u32(out, 3);
        u64(out, 1); // tensors
        u64(out, 3); // metadata keys
        str(out, "general.architecture");
        u32(out, 8);
        str(out, arch);
        str(out, "general.name");
        u32(out, 8);
        str(out, name);
        str(out, "general.file_type");
        u32(out, 4);
        u32(out, 0);
        str(out, "token_embd.weight");
        u32(out, 1);
        u64(out, elements);
        u32(out, 0); // F32
        u64(out, 0);
        while (out.size() % 32 != 0) out.write(0);
        Random r = new Random(seed);
        ByteBuffer data = ByteBuffer.allocate(elements * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < elements; i++) data.putFloat(r.nextFloat() - 0.5f);
        out.writeBytes(data.array());
        return out.toByteArray();
    }

    private static void u32(ByteArrayOutputStream o, int v) {
        o.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    private static void u64(ByteArrayOutputStream o, long v) {
        o.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    private static void str(ByteArrayOutputStream o, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(o, b.length);
        o.writeBytes(b);
    }
}
