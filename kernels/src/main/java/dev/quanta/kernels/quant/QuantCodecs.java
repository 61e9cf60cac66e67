package dev.quanta.kernels.quant;

import dev.quanta.kernels.GgmlType;
import java.util.EnumMap;
import java.util.Map;

/** The reference codec of each type Quanta can decode. */
public final class QuantCodecs {
    private static final Map<GgmlType, QuantCodec> CODECS = new EnumMap<>(GgmlType.class);

    static {
        register(new FloatCodecs.F32());
        register(new FloatCodecs.F16());
        register(new FloatCodecs.BF16());
        register(new Q4_0Codec());
        register(new Q4_1Codec());
        register(new Q5_0Codec());
        register(new Q5_1Codec());
        register(new Q8_0Codec());
        register(new Q8_1Codec());
        register(new Q2_KCodec());
        register(new Q3_KCodec());
        register(new Q4_KCodec());
        register(new Q5_KCodec());
        register(new Q6_KCodec());
        register(new Q8_KCodec());
        register(new IQ4_NLCodec());
        register(new IQ4_XSCodec());
    }

    private QuantCodecs() {}

    private static void register(QuantCodec c) {
        CODECS.put(c.type(), c);
    }

    /** True when {@code type} can be decoded. */
    public static boolean supported(GgmlType type) {
        return CODECS.containsKey(type);
    }

    /** The codec of {@code type}; {@link UnsupportedTypeException} naming the type when there is none. */
    public static QuantCodec of(GgmlType type) {
        QuantCodec c = CODECS.get(type);
        if (c == null) throw new UnsupportedTypeException(type, null);
        return c;
    }
}
