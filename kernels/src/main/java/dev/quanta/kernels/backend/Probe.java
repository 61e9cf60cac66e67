package dev.quanta.kernels.backend;

/**
 * Outcome of {@link BackendProvider#probe()}: a score (0 = unusable; higher = preferred) and a
 * human-readable reason such as "libcuda.so.1 not found" or "2 SIMD lanes of 256 bits".
 */
public record Probe(int score, String reason) {
    public static Probe unusable(String reason) {
        return new Probe(0, reason);
    }

    public boolean usable() {
        return score > 0;
    }
}
