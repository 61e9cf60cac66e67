package dev.quanta.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code quanta} command. Each sub-command lives in its own class in this package. */
@Command(name = "quanta", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, version = "quanta 0.1.0-SNAPSHOT",
        description = "Local LLM inference: GGUF models on CPU, OpenCL and CUDA.",
        subcommands = {RunCommand.class, ChatCommand.class, InfoCommand.class, TokenizeCommand.class, BenchCommand.class, DetectCommand.class, LogitsCommand.class, PerplexityCommand.class, QuantizeCommand.class, SynthCommand.class, PullCommand.class, ListCommand.class, RmCommand.class, ServeCommand.class})
public final class Main {
    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Show stack traces of errors.")
    static boolean verbose;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code; errors become one line on stderr. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean v = java.util.Arrays.asList(args).contains("--verbose");
            if (v) ex.printStackTrace();
            String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            cmd.getErr().println("error: " + msg);
            cmd.getErr().flush();
            return 1;
        });
        return cl.execute(args);
    }
}
