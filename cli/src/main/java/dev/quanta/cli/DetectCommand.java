package dev.quanta.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quanta.hwdetect.HardwareReport;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code quanta detect [--json]}: the CPU, RAM, every backend with its score and reason, and its devices. */
@Command(name = "detect", description = "Report the hardware: CPU and SIMD features, RAM, OpenCL and CUDA devices, "
        + "and the backend Quanta would choose.")
public final class DetectCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        HardwareReport r = HardwareReport.collect();
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r.toMap()));
        } else {
            out.print(r.toText());
            var best = r.backends().stream().filter(b -> b.score() > 0)
                    .max(java.util.Comparator.comparingInt(HardwareReport.BackendReport::score));
            out.println("Choice:  " + best.map(b -> b.name() + " (score " + b.score() + ")").orElse("none usable")
                    + "; override with --backend NAME[:DEVICE]");
        }
        out.flush();
        return 0;
    }
}
