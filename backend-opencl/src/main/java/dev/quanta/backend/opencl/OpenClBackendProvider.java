package dev.quanta.backend.opencl;

import dev.quanta.backend.opencl.ffm.OpenClLibrary;
import dev.quanta.kernels.backend.BackendProvider;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.Probe;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The "opencl" backend (ServiceLoader entry). Scores: a discrete GPU 100, an integrated GPU 60,
 * an accelerator 40; a CPU device (e.g. PoCL) only 5, since the CPU backend runs the same
 * silicon better, but it stays selectable with {@code --backend opencl}. No library, no
 * platform or no device scores 0 with the reason.
 */
public final class OpenClBackendProvider implements BackendProvider {
    static final String CPU_REASON = "OpenCL device is a CPU: prefer the CPU backend";

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public Probe probe() {
        try {
            if (!OpenClLibrary.available()) return Probe.unusable("OpenCL library: " + OpenClLibrary.reason());
            List<ClDevice> devs = allDevices();
            if (devs.isEmpty()) {
                return Probe.unusable(ClPlatform.all().isEmpty() ? "no OpenCL platform installed (the ICD loader found no driver)"
                        : "OpenCL platforms have no device");
            }
            ClDevice best = devs.get(0);
            int score = score(best);
            String what = best.name() + " (" + best.typeName() + ", " + best.platform().name() + ", "
                    + best.computeUnits() + " compute units, " + (best.globalMemSize() >> 20) + " MiB)";
            return new Probe(score, best.isCpu() && !best.isGpu() ? CPU_REASON + "; " + what : what);
        } catch (Throwable t) {
            return Probe.unusable("OpenCL probe failed: " + t.getMessage());
        }
    }

    static int score(ClDevice d) {
        if (d.isGpu()) return d.hostUnified() ? 60 : 100;
        if (d.isCpu()) return 5;
        return 40;
    }

    /** Every device of every platform, best score first. */
    static List<ClDevice> allDevices() {
        List<ClDevice> out = new ArrayList<>();
        if (!OpenClLibrary.available()) return out;
        for (ClPlatform p : ClPlatform.all()) out.addAll(p.devices());
        out.sort(Comparator.comparingInt(OpenClBackendProvider::score).reversed());
        return out;
    }

    /** A new device object per OpenCL device, best first; the caller closes them. */
    @Override
    public List<Device> devices() {
        List<Device> out = new ArrayList<>();
        try {
            for (ClDevice d : allDevices()) out.add(new OpenClDevice(d));
        } catch (RuntimeException e) {
            out.forEach(Device::close);
            throw e;
        }
        return out;
    }
}
