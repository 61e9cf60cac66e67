package dev.quanta.cli;

import dev.quanta.runtime.Model;
import dev.quanta.runtime.QuantaException;
import dev.quanta.runtime.batch.Batch;
import dev.quanta.runtime.exec.InferenceContext;
import dev.quanta.runtime.exec.Logits;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code quanta perplexity -m FILE -f TEXT [-c CTX]}: perplexity as llama-perplexity computes it. The
 * text is tokenized once (BOS first when the model adds one) and cut into windows of {@code ctx}
 * tokens; each window is evaluated from an empty cache with its first token replaced by BOS, and the
 * tokens of its second half are scored: PPL = exp(mean negative log-likelihood), printed per chunk and
 * in total with its standard error.
 */
@Command(name = "perplexity", description = "Perplexity of a text file, computed as llama-perplexity does (second half of each window).")
public final class PerplexityCommand implements Callable<Integer> {
    @Mixin
    RunCommand.ModelArgs model = new RunCommand.ModelArgs();

    @Option(names = {"-f", "--file"}, paramLabel = "TEXT", required = true, description = "Text file to score.")
    Path text;

    @Option(names = "--chunks", paramLabel = "N", description = "Score at most N windows (default: all).")
    int maxChunks = -1;

    @Override
    public Integer call() throws IOException {
        PrintStream out = RunCommand.utf8Stdout();
        PrintStream err = System.err;
        String content;
        try {
            content = Files.readString(text, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new QuantaException(text + ": no such file");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new QuantaException(text + ": not UTF-8 text");
        }
        if (model.ctx == 0) model.ctx = 512;
        try (Model m = model.load(err)) {
            int nCtx = model.ctx;
            int[] tokens = m.tokenize(content, true);
            if (tokens.length < 2 * nCtx)
                throw new QuantaException(text + " tokenizes to " + tokens.length + " tokens; perplexity with a context of "
                        + nCtx + " needs at least " + 2 * nCtx + " (use a smaller -c or a longer text)");
            int nChunk = tokens.length / nCtx;
            if (maxChunks > 0) nChunk = Math.min(nChunk, maxChunks);
            int first = nCtx / 2;
            boolean addBos = m.tokenizer().addBos() && m.tokenizer().bos() >= 0;
            int bos = m.tokenizer().bos();
            err.printf(Locale.ROOT, "quanta: perplexity over %d chunks of %d tokens (%d tokens in all), scoring positions %d..%d%n",
                    nChunk, nCtx, tokens.length, first, nCtx - 2);
            double nll = 0, nll2 = 0;
            long count = 0;
            long t0 = System.nanoTime();
            try (InferenceContext ctx = m.newContext(nCtx, model.kvType())) {
                for (int c = 0; c < nChunk; c++) {
                    int start = c * nCtx;
                    ctx.clear();
                    Batch b = new Batch();
                    for (int k = 0; k < nCtx; k++) {
                        int tok = (k == 0 && addBos) ? bos : tokens[start + k];
                        b.add(tok, k, 0, k >= first && k < nCtx - 1);
                    }
                    Logits l = ctx.decode(b);
                    for (int k = first; k < nCtx - 1; k++) {
                        float[] row = l.ofToken(k);
                        double lp = logSoftmax(row, tokens[start + k + 1]);
                        nll -= lp;
                        nll2 += lp * lp;
                        count++;
                    }
                    out.printf(Locale.ROOT, "[%d]%.4f,", c + 1, Math.exp(nll / count));
                    out.flush();
                }
            }
            out.println();
            double mean = nll / count;
            double var = nll2 / count - mean * mean;
            double ppl = Math.exp(mean);
            double se = var > 0 && count > 1 ? Math.sqrt(var / (count - 1)) * ppl : 0;
            out.printf(Locale.ROOT, "Final estimate: PPL = %.4f +/- %.5f%n", ppl, se);
            err.printf(Locale.ROOT, "quanta: %d tokens scored in %.2f s%n", count, (System.nanoTime() - t0) / 1e9);
        }
        return 0;
    }

    /** log softmax(row)[id], in double. */
    static double logSoftmax(float[] row, int id) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : row) max = Math.max(max, v);
        double sum = 0;
        for (float v : row) sum += Math.exp(v - max);
        return row[id] - max - Math.log(sum);
    }
}
