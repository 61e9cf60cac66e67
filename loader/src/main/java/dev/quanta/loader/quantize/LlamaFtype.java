package dev.quanta.loader.quantize;

import dev.quanta.kernels.GgmlType;
import java.util.Locale;

/**
 * llama.cpp's file types ({@code enum llama_ftype} in llama.h): the number stored in
 * {@code general.file_type} and the default tensor type of each mix. The _S/_M/_L mixes differ only
 * in the per-tensor choices of {@link QuantRecipe}. Only the types Quanta can produce are listed
 * (no IQ mixes, which need an importance matrix).
 */
public enum LlamaFtype {
    ALL_F32(0, GgmlType.F32, "F32"),
    MOSTLY_F16(1, GgmlType.F16, "F16"),
    MOSTLY_Q4_0(2, GgmlType.Q4_0, "Q4_0"),
    MOSTLY_Q4_1(3, GgmlType.Q4_1, "Q4_1"),
    MOSTLY_Q8_0(7, GgmlType.Q8_0, "Q8_0"),
    MOSTLY_Q5_0(8, GgmlType.Q5_0, "Q5_0"),
    MOSTLY_Q5_1(9, GgmlType.Q5_1, "Q5_1"),
    MOSTLY_Q2_K(10, GgmlType.Q2_K, "Q2_K"),
    MOSTLY_Q3_K_S(11, GgmlType.Q3_K, "Q3_K_S"),
    MOSTLY_Q3_K_M(12, GgmlType.Q3_K, "Q3_K_M"),
    MOSTLY_Q3_K_L(13, GgmlType.Q3_K, "Q3_K_L"),
    MOSTLY_Q4_K_S(14, GgmlType.Q4_K, "Q4_K_S"),
    MOSTLY_Q4_K_M(15, GgmlType.Q4_K, "Q4_K_M"),
    MOSTLY_Q5_K_S(16, GgmlType.Q5_K, "Q5_K_S"),
    MOSTLY_Q5_K_M(17, GgmlType.Q5_K, "Q5_K_M"),
    MOSTLY_Q6_K(18, GgmlType.Q6_K, "Q6_K"),
    MOSTLY_BF16(32, GgmlType.BF16, "BF16");

    /** The value of {@code general.file_type}. */
    public final int id;
    /** The type of every quantizable tensor unless the recipe picks another. */
    public final GgmlType defaultType;
    /** The name llama-quantize uses on its command line, e.g. {@code Q4_K_M}. */
    public final String cliName;

    LlamaFtype(int id, GgmlType defaultType, String cliName) {
        this.id = id;
        this.defaultType = defaultType;
        this.cliName = cliName;
    }

    /** Parses a llama-quantize type name ({@code Q4_K_M}, {@code q8_0}, {@code F16}, {@code Q4_K} = Q4_K_M, ...). */
    public static LlamaFtype parse(String name) {
        String u = name.trim().toUpperCase(Locale.ROOT);
        if (u.equals("Q4_K")) u = "Q4_K_M";
        if (u.equals("Q5_K")) u = "Q5_K_M";
        if (u.equals("Q3_K")) u = "Q3_K_M";
        for (LlamaFtype f : values()) if (f.cliName.equals(u)) return f;
        StringBuilder known = new StringBuilder();
        for (LlamaFtype f : values()) known.append(known.isEmpty() ? "" : ", ").append(f.cliName);
        throw new IllegalArgumentException("unknown quantization type '" + name + "' (known: " + known + ")");
    }

    /** The ftype with this {@code general.file_type} number, or null. */
    public static LlamaFtype byId(int id) {
        for (LlamaFtype f : values()) if (f.id == id) return f;
        return null;
    }
}
