package dev.quanta.cli;

import dev.quanta.loader.hub.ModelHub;
import dev.quanta.loader.hub.ProgressBar;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quanta pull REF}: downloads a model into the Hugging Face cache and prints its path. */
@Command(name = "pull", description = {
        "Download a model into the Hugging Face cache (shared with huggingface-cli) and print its path.",
        "REF: hf:OWNER/REPO[:QUANT] (default quant Q4_K_M), hf:OWNER/REPO/FILE.gguf, or an https URL;",
        "append @REVISION for a branch, tag or commit. Split models are fetched whole.",
        "Environment: HF_TOKEN (gated/private repos), HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE."})
public final class PullCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "REF", description = "Model reference.")
    String ref;

    @Option(names = "--offline", description = "Do not use the network: only check that the model is in the cache.")
    boolean offline;

    @Override
    public Integer call() {
        try (ModelHub hub = ModelRef.hub(offline, ProgressBar.stderr())) {
            ModelHub.Model m = hub.pull(hub.parse(ref));
            for (Path p : m.files()) System.out.println(p);
        }
        return 0;
    }
}
