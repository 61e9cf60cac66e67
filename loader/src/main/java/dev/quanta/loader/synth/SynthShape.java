package dev.quanta.loader.synth;

import java.util.Locale;

/**
 * The dimensions of a synthetic Llama-architecture model. {@link #LLAMA_1B} and {@link #LLAMA_8B}
 * have the shapes of Llama-3.2-1B and Llama-3.1-8B; {@link #TINY} is small enough for unit tests.
 */
public record SynthShape(String name, int nEmbd, int nLayer, int nHead, int nHeadKv, int nFf, int nVocab,
                         float ropeTheta, boolean tiedOutput, int contextLength, float rmsEps) {
    public static final SynthShape TINY = new SynthShape("tiny", 256, 4, 8, 4, 768, 512, 10000f, false, 2048, 1e-5f);
    public static final SynthShape LLAMA_1B = new SynthShape("llama-1b", 2048, 16, 32, 8, 8192, 128256, 500000f, true, 131072, 1e-5f);
    public static final SynthShape LLAMA_8B = new SynthShape("llama-8b", 4096, 32, 32, 8, 14336, 128256, 500000f, false, 131072, 1e-5f);

    public int headDim() {
        return nEmbd / nHead;
    }

    /** The same shape with another vocabulary size (a vocabulary copied from a file decides it). */
    public SynthShape withVocab(int v) {
        return new SynthShape(name, nEmbd, nLayer, nHead, nHeadKv, nFf, v, ropeTheta, tiedOutput, contextLength, rmsEps);
    }

    public static SynthShape byName(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "tiny" -> TINY;
            case "llama-1b", "llama-3.2-1b" -> LLAMA_1B;
            case "llama-8b", "llama-3.1-8b" -> LLAMA_8B;
            default -> throw new IllegalArgumentException("unknown shape '" + s + "' (known: tiny, llama-1b, llama-8b)");
        };
    }

    /** Number of weights (elements of every tensor). */
    public long parameterCount() {
        long hd = headDim();
        long perLayer = 2L * nEmbd + (long) nEmbd * nHead * hd * 2 + 2L * nEmbd * nHeadKv * hd + 3L * nEmbd * nFf;
        return (long) nVocab * nEmbd * (tiedOutput ? 1 : 2) + nEmbd + nLayer * perLayer;
    }
}
