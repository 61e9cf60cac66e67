package dev.quanta.bench.e2e;

import dev.quanta.kernels.GgmlType;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufTensorInfo;
import java.util.EnumMap;
import java.util.Map;

/**
 * What llama-bench says about a model: {@code model_type} as llama.cpp's {@code llama_model_desc}
 * writes it ("llama 1B Q4_K - Medium"), {@code model_size} (bytes of all tensors) and
 * {@code model_n_params} (elements of all tensors).
 */
public record ModelInfo(String arch, String sizeLabel, String ftypeName, long sizeBytes, long nParams) {

    /** {@code "ARCH SIZE FTYPE"}, e.g. "llama 1B Q4_0". */
    public String modelType() {
        return arch + " " + sizeLabel + " " + ftypeName;
    }

    /** Reads the description of an open GGUF file. */
    public static ModelInfo of(GgufFile f) {
        long bytes = 0, params = 0;
        Map<GgmlType, Long> byType = new EnumMap<>(GgmlType.class);
        for (GgufTensorInfo t : f.tensors()) {
            bytes += t.byteSize();
            params += t.nelements();
            if (t.nDims() >= 2) byType.merge(t.type(), t.nelements(), Long::sum);
        }
        var m = f.metadata();
        String arch = m.has("general.architecture") ? m.architecture() : "unknown";
        int nLayer = m.getInt(arch + ".block_count", 0);
        int nHead = m.getInt(arch + ".attention.head_count", 0);
        int nHeadKv = m.getInt(arch + ".attention.head_count_kv", nHead);
        int nVocab = f.tensor("token_embd.weight") != null && f.tensor("token_embd.weight").nDims() == 2
                ? (int) f.tensor("token_embd.weight").ne()[1] : 0;
        String ftype;
        if (m.has("general.file_type")) {
            ftype = ftypeName(m.getInt("general.file_type"));
        } else {
            GgmlType most = byType.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(GgmlType.F32);
            ftype = ftypeName(guessFtype(most)) + " (guessed)";
        }
        return new ModelInfo(arch, sizeLabel(arch, nLayer, nVocab, nHead, nHeadKv), ftype, bytes, params);
    }

    /** llama.cpp's size class of a model ("1B", "8B", ...; "?B" when it does not know the shape). */
    static String sizeLabel(String arch, int nLayer, int nVocab, int nHead, int nHeadKv) {
        if (!arch.equals("llama")) return "?B";
        return switch (nLayer) {
            case 16, 22 -> "1B";
            case 26, 28 -> "3B";
            case 32 -> nVocab == 49152 ? "3B" : nVocab < 40000 ? "7B" : "8B";
            case 36 -> "8B";
            case 40 -> "13B";
            case 48 -> "34B";
            case 60 -> "30B";
            case 80 -> nHead == nHeadKv ? "65B" : "70B";
            default -> "?B";
        };
    }

    /** The name llama.cpp prints for a {@code general.file_type} value. */
    static String ftypeName(int id) {
        return switch (id) {
            case 0 -> "all F32";
            case 1 -> "F16";
            case 32 -> "BF16";
            case 2 -> "Q4_0";
            case 3 -> "Q4_1";
            case 8 -> "Q5_0";
            case 9 -> "Q5_1";
            case 7 -> "Q8_0";
            case 10 -> "Q2_K - Medium";
            case 21 -> "Q2_K - Small";
            case 11 -> "Q3_K - Small";
            case 12 -> "Q3_K - Medium";
            case 13 -> "Q3_K - Large";
            case 14 -> "Q4_K - Small";
            case 15 -> "Q4_K - Medium";
            case 16 -> "Q5_K - Small";
            case 17 -> "Q5_K - Medium";
            case 18 -> "Q6_K";
            default -> "unknown, may not work";
        };
    }

    /** The file type llama.cpp guesses from the most common type of the 2-D tensors. */
    static int guessFtype(GgmlType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case BF16 -> 32;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case Q8_0 -> 7;
            case Q2_K -> 10;
            case Q3_K -> 12;
            case Q4_K -> 15;
            case Q5_K -> 17;
            case Q6_K -> 18;
            default -> -1;
        };
    }
}
