package dev.quanta.runtime.sampling;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits with the chain of {@link SamplerParams}. Keeps the
 * recent tokens for the penalties ({@link #accept}) and a seeded generator, so a given seed and
 * input give the same tokens. Not thread-safe: one sampler per sequence.
 */
public final class Sampler {
    private final SamplerParams p;
    private final SplittableRandom rng;
    private final long seed;
    private final ArrayDeque<Integer> recent = new ArrayDeque<>();

    public Sampler(SamplerParams params) {
        this.p = params;
        this.seed = params.seed() == -1 ? new SplittableRandom().nextLong() & Long.MAX_VALUE : params.seed();
        this.rng = new SplittableRandom(seed);
    }

    public SamplerParams params() { return p; }

    /** The seed in use (the drawn one when the params asked for a random seed). */
    public long seed() { return seed; }

    /** Records a token (prompt or generated) for the repetition penalties. */
    public void accept(int token) {
        if (p.penaltyLastN() == 0) return;
        recent.addLast(token);
        if (p.penaltyLastN() > 0) while (recent.size() > p.penaltyLastN()) recent.removeFirst();
    }

    /** Forgets the recorded tokens. */
    public void reset() {
        recent.clear();
    }

    /** Chooses a token from {@code logits} (not modified). */
    public int sample(float[] logits) {
        float[] l = logits.clone();
        for (Map.Entry<Integer, Float> e : p.logitBias().entrySet()) {
            int id = e.getKey();
            if (id >= 0 && id < l.length) l[id] += e.getValue();
        }
        applyPenalties(l);
        if (p.isGreedy()) return argmax(l);

        Integer[] order = candidates(l);
        int n = order.length;
        if (p.topK() > 0) n = Math.min(n, p.topK());
        // probabilities of the candidates at temperature 1 (for top-p and min-p, as llama.cpp's chain)
        double max = l[order[0]];
        double[] prob = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += prob[i] = Math.exp(l[order[i]] - max);
        if (p.topP() < 1f) {
            double cum = 0;
            for (int i = 0; i < n; i++) {
                cum += prob[i] / sum;
                if (cum >= p.topP()) {
                    n = i + 1;
                    break;
                }
            }
        }
        if (p.minP() > 0f) {
            double floor = Math.log(p.minP());
            int keep = 1;
            while (keep < n && l[order[keep]] - max >= floor) keep++;
            n = keep;
        }
        // temperature, softmax, draw
        double tmax = l[order[0]] / p.temperature();
        double[] w = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++) total += w[i] = Math.exp(l[order[i]] / p.temperature() - tmax);
        double r = rng.nextDouble() * total;
        for (int i = 0; i < n; i++) {
            r -= w[i];
            if (r < 0) return order[i];
        }
        return order[n - 1];
    }

    private void applyPenalties(float[] l) {
        boolean on = p.repeatPenalty() != 1f || p.presencePenalty() != 0f || p.frequencyPenalty() != 0f;
        if (!on || recent.isEmpty()) return;
        Map<Integer, Integer> count = new HashMap<>();
        for (int t : recent) count.merge(t, 1, Integer::sum);
        for (Map.Entry<Integer, Integer> e : count.entrySet()) {
            int id = e.getKey();
            if (id < 0 || id >= l.length) continue;
            float v = l[id];
            v = v <= 0 ? v * p.repeatPenalty() : v / p.repeatPenalty();
            v -= e.getValue() * p.frequencyPenalty() + p.presencePenalty();
            l[id] = v;
        }
    }

    /** Index of the largest logit; the lowest index wins ties. */
    public static int argmax(float[] l) {
        int best = 0;
        for (int i = 1; i < l.length; i++) if (l[i] > l[best]) best = i;
        return best;
    }

    /** Token ids by logit, highest first (lowest id first among equals), limited to top-k when set. */
    private Integer[] candidates(float[] l) {
        int k = p.topK() > 0 ? Math.min(p.topK(), l.length) : l.length;
        Integer[] ids = new Integer[l.length];
        for (int i = 0; i < l.length; i++) ids[i] = i;
        if (k < l.length) {
            // threshold by a partial selection, then sort the survivors
            float[] sorted = l.clone();
            Arrays.sort(sorted);
            float kth = sorted[l.length - k];
            int c = 0;
            Integer[] keep = new Integer[l.length];
            for (int i = 0; i < l.length; i++) if (l[i] >= kth) keep[c++] = i;
            ids = Arrays.copyOf(keep, c);
        }
        Arrays.sort(ids, (a, b) -> l[a] != l[b] ? Float.compare(l[b], l[a]) : Integer.compare(a, b));
        return ids.length > k ? Arrays.copyOf(ids, k) : ids;
    }
}
