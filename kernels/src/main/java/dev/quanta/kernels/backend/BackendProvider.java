package dev.quanta.kernels.backend;

import java.util.List;

/**
 * A backend, found at run time through {@link java.util.ServiceLoader}. The runtime never imports
 * a backend class: it asks every provider for a {@link Probe}, picks the best score, and opens
 * one of its {@link Device devices}.
 */
public interface BackendProvider {
    /** Short name used on the command line: "cpu", "opencl", "cuda", "reference". */
    String name();

    /** Cheap availability check. Never throws: a missing library or device is a 0 score with its reason. */
    Probe probe();

    /** The usable devices; empty when {@link #probe()} scored 0. */
    List<Device> devices();
}
