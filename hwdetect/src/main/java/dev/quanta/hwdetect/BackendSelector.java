package dev.quanta.hwdetect;

import dev.quanta.kernels.backend.BackendException;
import dev.quanta.kernels.backend.BackendProvider;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.Probe;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Chooses the backend: every {@link BackendProvider} found by {@link ServiceLoader} is probed, the
 * best score wins, and the choice is logged with every candidate's score and reason. An override
 * {@code NAME[:DEVICE]} (DEVICE = index or part of the device name) puts that backend first. When
 * the chosen backend fails to start (no device, an exception), the next usable one is started and
 * a warning says why.
 */
public final class BackendSelector {
    private static final System.Logger LOG = System.getLogger(BackendSelector.class.getName());

    /** A provider with its probe outcome. */
    public record Candidate(BackendProvider provider, Probe probe) {
        public String name() {
            return provider.name();
        }

        @Override
        public String toString() {
            return provider.name() + " (score " + probe.score() + ": " + probe.reason() + ")";
        }
    }

    /** The started device, the candidates in the order they were considered, and the warnings of fallbacks. */
    public record Selection(Device device, Candidate chosen, List<Candidate> candidates, List<String> warnings) {}

    private final List<BackendProvider> providers;

    public BackendSelector(List<BackendProvider> providers) {
        this.providers = List.copyOf(providers);
    }

    /** A selector over the providers on the class path; a provider that fails to load is skipped with a warning. */
    public static BackendSelector fromServiceLoader() {
        return new BackendSelector(discover());
    }

    /** The providers ServiceLoader finds. */
    public static List<BackendProvider> discover() {
        List<BackendProvider> out = new ArrayList<>();
        var it = ServiceLoader.load(BackendProvider.class).stream().iterator();
        while (true) {
            try {
                if (!it.hasNext()) break;
                out.add(it.next().get());
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                LOG.log(System.Logger.Level.WARNING, "backend provider failed to load: " + e.getMessage());
            }
        }
        return out;
    }

    /** Every provider probed (a throwing probe is contained as score 0), best score first. */
    public List<Candidate> candidates() {
        List<Candidate> out = new ArrayList<>();
        for (BackendProvider p : providers) out.add(new Candidate(p, safeProbe(p)));
        out.sort(Comparator.comparingInt((Candidate c) -> c.probe().score()).reversed());
        return out;
    }

    private static Probe safeProbe(BackendProvider p) {
        try {
            Probe r = p.probe();
            return r != null ? r : Probe.unusable("probe returned nothing");
        } catch (Throwable t) {
            return Probe.unusable("probe failed: " + t);
        }
    }

    /**
     * Starts the best backend, or the one {@code override} names ("opencl", "opencl:1",
     * "opencl:Radeon"); null or blank means automatic.
     *
     * @throws IllegalArgumentException when the override names no known backend
     * @throws BackendException when no backend starts (the message lists every reason)
     */
    public Selection select(String override) {
        List<Candidate> all = candidates();
        String wantName = null, wantDevice = null;
        if (override != null && !override.isBlank()) {
            int c = override.indexOf(':');
            wantName = (c < 0 ? override : override.substring(0, c)).trim().toLowerCase(Locale.ROOT);
            wantDevice = c < 0 ? null : override.substring(c + 1).trim();
            String n = wantName;
            if (all.stream().noneMatch(x -> x.name().equalsIgnoreCase(n)))
                throw new IllegalArgumentException("unknown backend '" + wantName + "'; available: "
                        + all.stream().map(Candidate::name).collect(Collectors.joining(", ")));
        }
        List<Candidate> order = new ArrayList<>();
        if (wantName != null) for (Candidate c : all) if (c.name().equalsIgnoreCase(wantName)) order.add(c);
        for (Candidate c : all) if (!order.contains(c) && c.probe().usable()) order.add(c);
        String list = all.stream().map(Candidate::toString).collect(Collectors.joining(", "));
        List<String> warnings = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            Candidate c = order.get(i);
            boolean requested = wantName != null && c.name().equalsIgnoreCase(wantName);
            String failure;
            if (!c.probe().usable()) {
                failure = c.probe().reason();
            } else {
                try {
                    Device d = start(c.provider(), requested ? wantDevice : null);
                    LOG.log(System.Logger.Level.INFO, "backend: " + c.name() + " on " + d.name()
                            + (requested ? " (--backend " + override + ")" : " (best score)") + "; candidates: " + list);
                    return new Selection(d, c, order, warnings);
                } catch (RuntimeException | LinkageError e) {
                    failure = e.getMessage() == null ? e.toString() : e.getMessage();
                }
            }
            String next = i + 1 < order.size() ? order.get(i + 1).name() : null;
            String w = "backend " + c.name() + " failed to start: " + failure
                    + (next != null ? "; falling back to " + next : "");
            warnings.add(w);
            LOG.log(System.Logger.Level.WARNING, w);
        }
        throw new BackendException("no backend could start; candidates: " + (list.isEmpty() ? "none found" : list)
                + (warnings.isEmpty() ? "" : "; " + String.join("; ", warnings)));
    }

    /** The provider's device matching {@code spec} (index or name part; null = first); the others are closed. */
    static Device start(BackendProvider p, String spec) {
        List<Device> ds = p.devices();
        if (ds == null || ds.isEmpty()) throw new BackendException("backend " + p.name() + " has no device");
        Device chosen = null;
        if (spec == null || spec.isEmpty()) {
            chosen = ds.get(0);
        } else if (spec.chars().allMatch(Character::isDigit)) {
            int i = Integer.parseInt(spec);
            if (i < ds.size()) chosen = ds.get(i);
        } else {
            for (Device d : ds) if (d.name().toLowerCase(Locale.ROOT).contains(spec.toLowerCase(Locale.ROOT))) { chosen = d; break; }
        }
        for (Device d : ds) if (d != chosen) d.close();
        if (chosen == null)
            throw new BackendException("backend " + p.name() + " has no device '" + spec + "' (devices: "
                    + ds.stream().map(Device::name).collect(Collectors.joining(", ")) + ")");
        return chosen;
    }
}
