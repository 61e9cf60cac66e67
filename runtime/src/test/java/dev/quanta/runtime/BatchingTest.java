package dev.quanta.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.runtime.batch.Batch;
import dev.quanta.runtime.exec.InferenceContext;
import dev.quanta.runtime.exec.Logits;
import dev.quanta.runtime.sampling.Sampler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Several sequences in one batch, micro-batching, logits selection, and the KV cache bookkeeping, on stories260K. */
class BatchingTest {
    static Model model;
    static final int[] A = {1, 403, 407, 261, 378}; // "Once upon a time"
    static final int[] B = {1, 261, 378, 432, 383, 286, 261};

    @BeforeAll
    static void load() {
        model = Quanta.load(ModelOptions.of(TestData.require("stories260K/stories260K.gguf")).withBackend("reference")
                .withContextLength(64).withKvCacheType(GgmlType.F32).withMicroBatch(3));
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    /** Logits of every position of {@code seq} evaluated alone. */
    static float[][] alone(int[] seq) {
        try (Session s = model.newSession()) {
            return s.evaluateAll(seq);
        }
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    @Test
    void twoSequencesInOneBatchMatchSeparateRuns() {
        float[][] ra = alone(A), rb = alone(B);
        try (InferenceContext ctx = model.newContext(64, GgmlType.F32)) {
            // interleave the two prompts in one batch (micro-batches of 3 tokens cut across them)
            Batch b = new Batch();
            int n = Math.max(A.length, B.length);
            for (int i = 0; i < n; i++) {
                if (i < A.length) b.add(A[i], i, 0, true);
                if (i < B.length) b.add(B[i], i, 1, true);
            }
            Logits l = ctx.decode(b);
            assertEquals(A.length + B.length, l.rows());
            int row = 0;
            for (int i = 0; i < n; i++) {
                if (i < A.length) assertTrue(maxDiff(ra[i], l.row(row++)) < 1e-5, "seq 0 pos " + i);
                if (i < B.length) assertTrue(maxDiff(rb[i], l.row(row++)) < 1e-5, "seq 1 pos " + i);
            }
            // then decode one more token for each sequence in one batch: continues each independently
            int na = Sampler.argmax(ra[A.length - 1]), nb = Sampler.argmax(rb[B.length - 1]);
            Logits step = ctx.decode(new Batch().add(na, A.length, 0, true).add(nb, B.length, 1, true));
            float[][] ra2 = alone(append(A, na)), rb2 = alone(append(B, nb));
            assertTrue(maxDiff(ra2[A.length], step.ofToken(0)) < 1e-5);
            assertTrue(maxDiff(rb2[B.length], step.ofToken(1)) < 1e-5);
            assertEquals(A.length + B.length + 2, ctx.cells().used());
            // removing one sequence frees its cells only
            ctx.cells().remove(1, 0, -1);
            assertEquals(A.length + 1, ctx.cells().used());
            assertEquals(A.length, ctx.cells().maxPos(0));
        }
    }

    @Test
    void onlyRequestedLogitsAreReturned() {
        try (InferenceContext ctx = model.newContext(16, GgmlType.F32)) {
            Batch b = new Batch();
            for (int i = 0; i < A.length; i++) b.add(A[i], i, 0, i == 2);
            Logits l = ctx.decode(b);
            assertEquals(1, l.rows());
            assertTrue(maxDiff(alone(A)[2], l.ofToken(2)) < 1e-5);
            assertThrows(IllegalArgumentException.class, () -> l.ofToken(1));
        }
    }

    @Test
    void fullContextIsReportedAndLeavesTheCacheAsItWas() {
        try (InferenceContext ctx = model.newContext(4, GgmlType.F32)) {
            ctx.decode(Batch.of(new int[] {1, 403, 407}, 0, 0));
            ContextFullException e = assertThrows(ContextFullException.class, () -> ctx.decode(Batch.of(new int[] {261, 378}, 3, 0)));
            assertTrue(e.getMessage().contains("context full"), e.getMessage());
            assertEquals(3, ctx.cells().used());
        }
    }

    @Test
    void sessionReusesTheCachedPrefix() {
        try (Session s = model.newSession()) {
            float[] first = s.evaluate(A);
            assertArrayEquals(A, s.tokens());
            int[] longer = append(A, 432);
            float[] next = s.evaluate(longer);
            assertTrue(maxDiff(alone(longer)[A.length], next) < 1e-5);
            // a diverging prompt drops the tail and recomputes
            int[] other = {1, 403, 261};
            float[] o = s.evaluate(other);
            assertTrue(maxDiff(alone(other)[2], o) < 1e-5);
            assertArrayEquals(other, s.tokens());
            assertEquals(512, first.length);
        }
    }

    @Test
    void tokenOutsideTheVocabularyIsRejected() {
        try (InferenceContext ctx = model.newContext(8, GgmlType.F32)) {
            QuantaException e = assertThrows(QuantaException.class, () -> ctx.decode(Batch.of(new int[] {1, 512}, 0, 0)));
            assertTrue(e.getMessage().contains("512"), e.getMessage());
            assertEquals(0, ctx.cells().used());
        }
    }

    static int[] append(int[] a, int x) {
        int[] r = java.util.Arrays.copyOf(a, a.length + 1);
        r[a.length] = x;
        return r;
    }
}
