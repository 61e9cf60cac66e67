package dev.quanta.cli;

import dev.quanta.loader.hub.DownloadListener;
import dev.quanta.loader.hub.ModelHub;
import dev.quanta.loader.hub.ProgressBar;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quanta rm REF}: removes a model from the cache. */
@Command(name = "rm", description = {
        "Remove a model from the Hugging Face cache (its files in every snapshot, and blobs nothing else uses).",
        "hf:OWNER/REPO without a quant removes the repository's only cached model; --all removes the whole repository."})
public final class RmCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "REF", description = "hf:OWNER/REPO[:QUANT], hf:OWNER/REPO/FILE.gguf or a URL.")
    String ref;

    @Option(names = "--all", description = "Remove every file of the repository from the cache.")
    boolean all;

    @Override
    public Integer call() {
        try (ModelHub hub = ModelRef.hub(true, DownloadListener.NONE)) {
            ModelHub.Removed r = hub.remove(hub.parse(ref), all);
            System.out.println("removed " + r.what() + " (" + ProgressBar.human(r.freedBytes()) + " freed)");
        }
        return 0;
    }
}
