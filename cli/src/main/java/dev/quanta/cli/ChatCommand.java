package dev.quanta.cli;

import dev.quanta.runtime.GenerationOptions;
import dev.quanta.runtime.GenerationResult;
import dev.quanta.runtime.Model;
import dev.quanta.runtime.Session;
import dev.quanta.runtime.StopReason;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code quanta chat -m FILE}: an interactive conversation through the model's chat template, with
 * history. {@code /reset} starts over, {@code /exit} (or end of input) quits; Ctrl-C stops the answer
 * being written, not the program.
 */
@Command(name = "chat", description = "Chat with a model through its chat template; /reset starts over, /exit quits, Ctrl-C stops an answer.")
public final class ChatCommand implements Callable<Integer> {
    @Mixin
    RunCommand.ModelArgs model = new RunCommand.ModelArgs();

    @Mixin
    RunCommand.SamplingArgs sampling = new RunCommand.SamplingArgs();

    @Mixin
    RunCommand.GrammarArgs grammar = new RunCommand.GrammarArgs();

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt.")
    String system;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", description = "Most tokens per answer (default: -1 = until the end of the turn).")
    int nPredict = -1;

    @Option(names = "--context-shift", description = "When the context is full, drop the older half of the conversation and go on.")
    boolean contextShift;

    @Option(names = "--timings", description = "Print prompt and generation speed after each answer.")
    boolean timings;

    @Override
    public Integer call() throws IOException {
        PrintStream out = RunCommand.utf8Stdout();
        PrintStream err = System.err;
        dev.quanta.runtime.sampling.GrammarSpec g = grammar.spec();
        try (Model m = model.load(err); Session s = m.newSession()) {
            s.setSystemPrompt(system);
            if (m.chatTemplate() != null) err.println("quanta: chat template: " + m.chatTemplate().name());
            err.println("quanta: chatting with " + m.describe() + ". /reset starts over, /exit quits, Ctrl-C stops an answer.");
            GenerationOptions o = GenerationOptions.defaults().withMaxTokens(nPredict).withSampling(sampling.params())
                    .withContextShift(contextShift).withGrammar(g);
            AtomicReference<Session> answering = new AtomicReference<>();
            Interrupts.install(() -> {
                Session busy = answering.get();
                if (busy != null) busy.cancel();
                else System.exit(130);
            });
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (true) {
                out.print("> ");
                out.flush();
                String line = in.readLine();
                if (line == null) {
                    out.println();
                    break;
                }
                String text = line.strip();
                if (text.isEmpty()) continue;
                if (text.equals("/exit") || text.equals("/quit")) break;
                if (text.equals("/reset")) {
                    s.reset();
                    err.println("quanta: conversation cleared");
                    continue;
                }
                answering.set(s);
                GenerationResult r;
                try {
                    r = s.chat(line, o, t -> RunCommand.print(out, t));
                } finally {
                    answering.set(null);
                }
                out.println();
                if (r.reason() == StopReason.CANCELLED) err.println("quanta: answer stopped");
                if (r.reason() == StopReason.CONTEXT_FULL) err.println("quanta: " + r.message() + "; /reset to start over");
                if (timings) {
                    err.printf(Locale.ROOT, "quanta: prompt %d tokens %.1f t/s, answer %d tokens %.1f t/s%n",
                            r.timings().promptTokens(), r.timings().promptTokensPerSecond(),
                            r.timings().generatedTokens(), r.timings().generatedTokensPerSecond());
                }
            }
        }
        return 0;
    }

    /** Ctrl-C (SIGINT) handling through {@code sun.misc.Signal}, when the platform has it. */
    static final class Interrupts {
        static void install(Runnable onInterrupt) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> onInterrupt.run());
            } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
                // no SIGINT on this platform: Ctrl-C ends the program as usual
            }
        }
    }
}
