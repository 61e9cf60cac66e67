package dev.quanta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.runtime.exec.GpuLayers;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** --gpu-layers N|all|auto (-ngl, --n-gpu-layers) on run, chat and serve, and its notice on a host backend. */
class GpuLayersOptionTest {
    static final PrintStream NOWHERE = new PrintStream(PrintStream.nullOutputStream());

    static GpuLayers parsed(Object command, RunCommand.ModelArgs args, String... argv) {
        new CommandLine(command).parseArgs(argv);
        return args.options(NOWHERE, GgmlType.F16).gpuLayers();
    }

    @Test
    void parsesCountAllAndAutoOnEveryModelCommand() {
        String m = TestData.require("stories260K/stories260K.gguf").toString();
        RunCommand run = new RunCommand();
        assertEquals(GpuLayers.of(3), parsed(run, run.model, "-m", m, "--gpu-layers", "3"));
        run = new RunCommand();
        assertEquals(GpuLayers.ALL, parsed(run, run.model, "-m", m), "default: all layers");
        run = new RunCommand();
        assertEquals(GpuLayers.AUTO, parsed(run, run.model, "-m", m, "-ngl", "auto"));
        run = new RunCommand();
        assertEquals(GpuLayers.ALL, parsed(run, run.model, "-m", m, "--n-gpu-layers", "all"));
        ChatCommand chat = new ChatCommand();
        assertEquals(GpuLayers.of(0), parsed(chat, chat.model, "-m", m, "--gpu-layers", "0"));
        ServeCommand serve = new ServeCommand();
        assertEquals(GpuLayers.AUTO, parsed(serve, serve.model, "-m", m, "--gpu-layers", "auto"));
        BenchCommand bench = new BenchCommand();
        new CommandLine(bench).parseArgs("-m", m, "-ngl", "auto");
        assertEquals(GpuLayers.AUTO, GpuLayers.parse(bench.gpuLayers));
        bench = new BenchCommand();
        new CommandLine(bench).parseArgs("-m", m);
        assertEquals(GpuLayers.ALL, GpuLayers.parse(bench.gpuLayers), "bench default: all layers");
    }

    @Test
    void badValueIsOneLineError() {
        CliHarness.Result r = CliHarness.run("run", "-m", TestData.require("stories260K/stories260K.gguf").toString(),
                "-n", "1", "--backend", "reference", "--gpu-layers", "many");
        RunCommandTest.assertOneLineError(r, "--gpu-layers many", "auto");
    }

    @Test
    void hostBackendIgnoresTheOptionWithANotice() throws IOException {
        String want = Files.readString(TestData.require("stories260K/greedy_t0_200steps.txt"));
        CliHarness.Result r = CliHarness.run("run", "-m", TestData.require("stories260K/stories260K.gguf").toString(),
                "-p", "", "-n", "200", "--temp", "0", "--backend", "reference", "--gpu-layers", "2");
        assertEquals(0, r.code(), r.err());
        assertEquals(want, r.out(), "the reference backend runs every layer (the notice is logged; Model.notices() has it)");
    }
}
