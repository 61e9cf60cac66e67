package dev.quanta.cli;

import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.tokenizer.Tokenizer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code quanta tokenize -m FILE [--ids] [--no-bos] [--no-parse-special] (TEXT | -f FILE)}: the
 * token ids and pieces of a text, like llama.cpp's llama-tokenize. Any GGUF with tokenizer
 * metadata works, vocabulary-only files included.
 */
@Command(name = "tokenize", description = "Print the tokens of a text with a model's tokenizer (like llama-tokenize).")
public final class TokenizeCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE|REF", description = "GGUF model or vocabulary-only file, or hf:OWNER/REPO[:QUANT]")
    String model;

    @Option(names = "--offline", description = "Resolve a reference from the cache only; never use the network.")
    boolean offline;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Parameters(paramLabel = "TEXT", description = "Text to tokenize")
        String text;

        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Read the text from a file (UTF-8)")
        Path file;
    }

    @Option(names = "--ids", description = "Print only the ids, space-separated, on one line.")
    boolean idsOnly;

    @Option(names = "--no-bos", description = "Do not add BOS/EOS even where the model asks for them.")
    boolean noBos;

    @Option(names = "--no-parse-special", description = "Treat control-token texts such as <|eot_id|> as plain text.")
    boolean noParseSpecial;

    @Override
    public Integer call() throws Exception {
        String text = input.text != null ? input.text : Files.readString(input.file, StandardCharsets.UTF_8);
        Tokenizer tok;
        try (GgufFile f = GgufFile.open(ModelRef.resolve(model, offline))) {
            tok = Tokenizer.fromGguf(f.metadata());
        }
        int[] ids = tok.encode(text, !noBos, !noParseSpecial);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        if (idsOnly) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < ids.length; i++) sb.append(i == 0 ? "" : " ").append(ids[i]);
            out.println(sb);
        } else {
            for (int id : ids) {
                out.printf("%6d -> '", id);
                out.write(tok.pieceBytes(id, true)); // raw bytes, as llama-tokenize (may be part of a character)
                out.println("'");
            }
        }
        out.flush();
        return 0;
    }
}
