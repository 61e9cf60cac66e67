package dev.quanta.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quanta.loader.hub.DownloadListener;
import dev.quanta.loader.hub.ModelHub;
import dev.quanta.loader.hub.ProgressBar;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quanta list}: the GGUF models in the Hugging Face cache (and those pulled by URL). */
@Command(name = "list", description = "List the GGUF models in the Hugging Face cache: reference, quant, size, architecture, path.")
public final class ListCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<ModelHub.CachedModel> models;
        try (ModelHub hub = ModelRef.hub(true, DownloadListener.NONE)) {
            models = hub.list();
        }
        PrintStream o = System.out;
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (ModelHub.CachedModel m : models) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("ref", m.ref());
                r.put("quant", m.quant());
                r.put("size", m.size());
                r.put("arch", m.arch());
                r.put("path", m.path().toString());
                r.put("parts", m.parts());
                rows.add(r);
            }
            o.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(rows));
            return 0;
        }
        if (models.isEmpty()) {
            o.println("no GGUF models cached (pull one with: quanta pull hf:OWNER/REPO[:QUANT])");
            return 0;
        }
        int w = "MODEL".length();
        for (ModelHub.CachedModel m : models) w = Math.max(w, m.ref().length());
        String fmt = "%-" + w + "s  %-8s  %10s  %-10s  %s%n";
        o.printf(fmt, "MODEL", "QUANT", "SIZE", "ARCH", "PATH");
        for (ModelHub.CachedModel m : models)
            o.printf(fmt, m.ref(), m.quant(), ProgressBar.human(m.size()), m.arch(),
                    m.path() + (m.parts() > 1 ? " (+" + (m.parts() - 1) + " parts)" : ""));
        return 0;
    }
}
