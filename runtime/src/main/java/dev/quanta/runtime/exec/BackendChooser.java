package dev.quanta.runtime.exec;

import dev.quanta.hwdetect.BackendSelector;
import dev.quanta.kernels.backend.BackendException;
import dev.quanta.kernels.backend.Device;
import dev.quanta.runtime.QuantaException;
import java.util.List;

/**
 * Picks the device a model runs on through hwdetect's {@link BackendSelector}: the backends are found
 * with {@link java.util.ServiceLoader} (the runtime never names a backend class), each is probed, and
 * the one asked for by name or the best usable score wins (falling back, with a warning, when it fails
 * to start). The selector logs every candidate with its score and reason.
 */
public final class BackendChooser {
    /** The started device, its backend's name, and the fallback warnings. */
    public record Choice(String backend, Device device, List<String> warnings) {}

    private BackendChooser() {}

    /**
     * The device of backend {@code name}: "auto" (or null) for the best probe score, else a backend
     * name ("cpu", "opencl", "cuda", "reference"), optionally with ":DEVICE" (index or name part).
     *
     * @throws QuantaException when the name is unknown or no backend can start
     */
    public static Choice choose(String name) {
        boolean auto = name == null || name.isBlank() || name.equalsIgnoreCase("auto");
        try {
            BackendSelector.Selection s = BackendSelector.fromServiceLoader().select(auto ? null : name);
            return new Choice(s.chosen().name(), s.device(), s.warnings());
        } catch (IllegalArgumentException | BackendException e) {
            throw new QuantaException(e.getMessage(), e);
        }
    }
}
