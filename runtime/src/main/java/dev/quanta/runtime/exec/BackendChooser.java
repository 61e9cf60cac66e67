package dev.quanta.runtime.exec;

import dev.quanta.kernels.backend.BackendProvider;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.Probe;
import dev.quanta.runtime.QuantaException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Picks the device a model runs on: the backends are found with {@link ServiceLoader} (the runtime
 * never names a backend class), each is probed, and either the one asked for by name or the best
 * usable score wins. Every candidate is logged with its score and reason.
 *
 * <p>This is the one place to swap for hwdetect's selector once that lands.
 */
public final class BackendChooser {
    private static final System.Logger LOG = System.getLogger(BackendChooser.class.getName());

    /** The chosen device and why. */
    public record Choice(BackendProvider provider, Device device, Probe probe, List<String> candidates) {}

    private BackendChooser() {}

    /** Every provider on the class path with its probe, best score first. */
    public static List<Candidate> candidates() {
        List<Candidate> out = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            Probe pr;
            try {
                pr = p.probe();
            } catch (RuntimeException | LinkageError e) {
                pr = Probe.unusable("probe failed: " + e);
            }
            out.add(new Candidate(p, pr));
        }
        out.sort(Comparator.comparingInt((Candidate c) -> -c.probe.score()));
        return out;
    }

    /** A provider and its probe outcome. */
    public record Candidate(BackendProvider provider, Probe probe) {
        @Override
        public String toString() {
            return provider.name() + " (score " + probe.score() + ": " + probe.reason() + ")";
        }
    }

    /**
     * The device of backend {@code name} ("auto" or null: the best usable probe score).
     *
     * @throws QuantaException when no backend is usable, or the named one is absent or unusable
     */
    public static Choice choose(String name) {
        List<Candidate> all = candidates();
        List<String> described = all.stream().map(Candidate::toString).toList();
        for (String d : described) LOG.log(Level.DEBUG, "backend candidate: {0}", d);
        if (all.isEmpty()) throw new QuantaException("no compute backend found on the class path");
        boolean auto = name == null || name.isBlank() || name.equalsIgnoreCase("auto");
        for (Candidate c : all) {
            if (!auto && !c.provider.name().equalsIgnoreCase(name)) continue;
            if (!c.probe.usable()) {
                if (auto) continue;
                throw new QuantaException("backend '" + name + "' is not usable: " + c.probe.reason());
            }
            List<Device> devices = c.provider.devices();
            if (devices.isEmpty()) {
                if (auto) continue;
                throw new QuantaException("backend '" + name + "' has no device");
            }
            LOG.log(Level.INFO, "backend: {0} on {1} (candidates: {2})", c.provider.name(), devices.get(0).name(),
                    String.join("; ", described));
            return new Choice(c.provider, devices.get(0), c.probe, described);
        }
        if (!auto)
            throw new QuantaException("unknown backend '" + name + "' (available: "
                    + String.join(", ", all.stream().map(c -> c.provider.name()).toList()) + ")");
        throw new QuantaException("no usable compute backend: " + String.join("; ", described));
    }
}
