package dev.quanta.cli;

import dev.quanta.kernels.GgmlType;
import dev.quanta.runtime.Model;
import dev.quanta.runtime.QuantaException;
import dev.quanta.runtime.Session;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code quanta logits -m FILE --ids 1,2,3 -o OUT.f32}: the logits at every position of a token
 * sequence, evaluated in one pass, as little-endian float32 [n_ids, n_vocab] (row = position).
 */
@Command(name = "logits", description = "Write the logits of every position of a token sequence as little-endian float32 [n_ids, n_vocab].")
public final class LogitsCommand implements Callable<Integer> {
    @Mixin
    RunCommand.ModelArgs model = new RunCommand.ModelArgs();

    @Option(names = "--ids", paramLabel = "IDS", split = ",", description = "Token ids, comma separated (BOS is not added).")
    int[] ids;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "Text to tokenize instead of --ids (BOS added as the model asks).")
    String prompt;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", required = true, description = "Output file (float32, little-endian).")
    Path output;

    @Override
    public Integer call() throws IOException {
        PrintStream err = System.err;
        if ((ids == null) == (prompt == null)) throw new QuantaException("give exactly one of --ids and --prompt");
        try (Model m = model.load(err, model.kvType(GgmlType.F32))) {
            int[] seq = ids != null ? ids : m.tokenize(prompt, true);
            if (seq.length == 0) throw new QuantaException("no tokens to evaluate");
            int nVocab = m.config().nVocab();
            for (int id : seq) if (id < 0 || id >= nVocab) throw new QuantaException("token id " + id + " is outside the vocabulary (0.." + (nVocab - 1) + ")");
            int ctx = Math.max(seq.length, m.contextLength());
            float[][] rows;
            try (Session s = m.newSession(ctx)) {
                rows = s.evaluateAll(seq);
            }
            write(output, rows, nVocab);
            err.printf("quanta: wrote %d x %d logits to %s (ids %s)%n", rows.length, nVocab, output,
                    Arrays.toString(seq.length > 16 ? Arrays.copyOf(seq, 16) : seq) + (seq.length > 16 ? "..." : ""));
        }
        return 0;
    }

    /** Writes to a temporary file beside {@code out} and renames it, so a failure never leaves half a file. */
    static void write(Path out, float[][] rows, int nVocab) throws IOException {
        Path abs = out.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null && !Files.isDirectory(dir)) throw new QuantaException(out + ": directory " + dir + " does not exist");
        Path tmp = Files.createTempFile(dir, abs.getFileName().toString(), ".tmp");
        try {
            try (OutputStream os = Files.newOutputStream(tmp)) {
                ByteBuffer b = ByteBuffer.allocate(nVocab * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float[] row : rows) {
                    b.clear();
                    b.asFloatBuffer().put(row);
                    os.write(b.array());
                }
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
