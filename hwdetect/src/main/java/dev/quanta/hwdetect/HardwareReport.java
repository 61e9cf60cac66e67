package dev.quanta.hwdetect;

import dev.quanta.kernels.backend.BackendProvider;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.Probe;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What this machine offers: the CPU, RAM, every device each backend reports (OpenCL platforms and
 * devices, CUDA devices, ...) with its probe's score and reason, and any missing JVM flag. Backends
 * are reached only through {@link BackendProvider}; a CUDA driver with no CUDA backend installed is
 * still reported by looking for libcuda.so.1.
 */
public record HardwareReport(CpuInfo cpu, long ramBytes, List<BackendReport> backends, List<String> jvmProblems) {

    /** One device as its backend describes it. */
    public record DeviceReport(String name, String kind, long totalMemory, Map<String, String> properties) {}

    /** A backend's probe and devices (devices are listed only when the probe is usable). */
    public record BackendReport(String name, int score, String reason, List<DeviceReport> devices) {}

    /** Collects the report with the providers on the class path. */
    public static HardwareReport collect() {
        return collect(BackendSelector.discover());
    }

    public static HardwareReport collect(List<BackendProvider> providers) {
        List<BackendReport> backends = new ArrayList<>();
        boolean cuda = false;
        for (BackendProvider p : providers) {
            cuda |= p.name().equalsIgnoreCase("cuda");
            Probe probe;
            try {
                probe = p.probe();
            } catch (Throwable t) {
                probe = Probe.unusable("probe failed: " + t);
            }
            List<DeviceReport> devs = new ArrayList<>();
            String reason = probe.reason();
            if (probe.usable()) {
                List<Device> ds = List.of();
                try {
                    ds = p.devices();
                    for (Device d : ds) devs.add(new DeviceReport(d.name(), d.kind().name(), d.totalMemory(), d.properties()));
                } catch (RuntimeException | LinkageError e) {
                    reason += "; listing devices failed: " + e.getMessage();
                } finally {
                    for (Device d : ds) {
                        try {
                            d.close();
                        } catch (RuntimeException ignored) {
                            // a device that cannot close does not spoil the report
                        }
                    }
                }
            }
            backends.add(new BackendReport(p.name(), probe.score(), reason, devs));
        }
        if (!cuda) backends.add(new BackendReport("cuda", 0, cudaDriverReason(), List.of()));
        return new HardwareReport(CpuInfo.detect(), totalRam(), backends, JvmFlags.problems());
    }

    /** "libcuda.so.1 not found" or that the driver exists but no CUDA backend is installed. */
    static String cudaDriverReason() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String lib = os.contains("win") ? "nvcuda.dll" : "libcuda.so.1";
        if (os.contains("mac")) return "CUDA is not available on macOS";
        try {
            SymbolLookup.libraryLookup(lib, Arena.global());
            return lib + " found, but no CUDA backend is installed";
        } catch (IllegalArgumentException e) {
            return lib + " not found";
        } catch (IllegalCallerException e) {
            return "cannot look for " + lib + ": " + e.getMessage();
        }
    }

    /** Physical RAM in bytes (/proc/meminfo, else the JVM's OS bean); 0 when unknown. */
    static long totalRam() {
        Path mem = Path.of("/proc/meminfo");
        if (Files.isReadable(mem)) {
            try {
                for (String line : Files.readAllLines(mem)) {
                    if (line.startsWith("MemTotal:")) {
                        String[] f = line.split("\\s+");
                        return Long.parseLong(f[1]) * 1024;
                    }
                }
            } catch (IOException | RuntimeException ignored) {
                // fall through to the bean
            }
        }
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
            return os.getTotalMemorySize();
        return 0;
    }

    /** A nested map for JSON output (key order preserved). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model", cpu.model());
        c.put("arch", cpu.arch());
        c.put("logical_cores", cpu.logicalCores());
        c.put("physical_cores", cpu.physicalCores());
        c.put("simd_bits", cpu.simdBits());
        c.put("features", cpu.features());
        m.put("cpu", c);
        m.put("ram_bytes", ramBytes);
        List<Object> bs = new ArrayList<>();
        for (BackendReport b : backends) {
            Map<String, Object> bm = new LinkedHashMap<>();
            bm.put("name", b.name());
            bm.put("score", b.score());
            bm.put("reason", b.reason());
            List<Object> ds = new ArrayList<>();
            for (DeviceReport d : b.devices()) {
                Map<String, Object> dm = new LinkedHashMap<>();
                dm.put("name", d.name());
                dm.put("kind", d.kind());
                dm.put("total_memory", d.totalMemory());
                dm.put("properties", d.properties());
                ds.add(dm);
            }
            bm.put("devices", ds);
            bs.add(bm);
        }
        m.put("backends", bs);
        m.put("jvm_problems", jvmProblems);
        return m;
    }

    /** Human-readable report. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append("CPU:     ").append(cpu.model()).append(" (").append(cpu.arch()).append(", ").append(cpu.logicalCores())
                .append(" logical").append(cpu.physicalCores() > 0 ? " / " + cpu.physicalCores() + " physical" : "")
                .append(" cores)\n");
        sb.append("SIMD:    ").append(cpu.simdBits() > 0 ? cpu.simdBits() + "-bit" : "unknown")
                .append(cpu.features().isEmpty() ? "" : " — " + String.join(", ", cpu.features())).append('\n');
        sb.append("RAM:     ").append(ramBytes > 0 ? gib(ramBytes) : "unknown").append('\n');
        sb.append("Backends:\n");
        for (BackendReport b : backends) {
            sb.append(String.format(Locale.ROOT, "  %-9s score %3d  %s%n", b.name(), b.score(), b.reason()));
            for (DeviceReport d : b.devices()) {
                sb.append("    - ").append(d.name()).append(" [").append(d.kind()).append(", ").append(gib(d.totalMemory())).append("]\n");
                d.properties().forEach((k, v) -> {
                    if (!v.isEmpty()) sb.append(String.format(Locale.ROOT, "        %-20s %s%n", k, v));
                });
            }
        }
        for (String p : jvmProblems) sb.append("warning: ").append(p).append('\n');
        return sb.toString();
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
