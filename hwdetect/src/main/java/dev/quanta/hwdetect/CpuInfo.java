package dev.quanta.hwdetect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The host CPU: model, logical and physical cores, and the SIMD features kernels care about, from
 * {@code /proc/cpuinfo} (Linux) or {@code sysctl} (macOS).
 *
 * @param simdBits widest vector register the flags advertise (512, 256, 128; 0 when unknown)
 * @param features the notable flags, upstream spellings: AVX2, AVX-512, AVX512-VNNI, AVX-VNNI, AMX, FMA, F16C, NEON, SVE, DOTPROD
 */
public record CpuInfo(String model, String arch, int logicalCores, int physicalCores, int simdBits, List<String> features) {

    /** The CPU of this machine; fields it cannot learn are "unknown" / 0. */
    public static CpuInfo detect() {
        String arch = System.getProperty("os.arch", "unknown");
        int logical = Runtime.getRuntime().availableProcessors();
        Path proc = Path.of("/proc/cpuinfo");
        if (Files.isReadable(proc)) {
            try {
                return parseProcCpuinfo(Files.readString(proc), arch, logical);
            } catch (IOException | RuntimeException e) {
                return new CpuInfo("unknown (" + e.getMessage() + ")", arch, logical, 0, 0, List.of());
            }
        }
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac")) return fromSysctl(arch, logical);
        return new CpuInfo("unknown", arch, logical, 0, 0, List.of());
    }

    /** Parses the text of /proc/cpuinfo (x86 "flags" or ARM "Features"). */
    public static CpuInfo parseProcCpuinfo(String text, String arch, int logical) {
        String model = null;
        Set<String> flags = new HashSet<>();
        Set<String> cores = new HashSet<>();
        String physId = "0";
        for (String line : text.split("\n")) {
            int c = line.indexOf(':');
            if (c < 0) continue;
            String k = line.substring(0, c).trim(), v = line.substring(c + 1).trim();
            switch (k) {
                case "model name", "Model", "cpu model", "Hardware" -> { if (model == null && !v.isEmpty()) model = v; }
                case "flags", "Features" -> { for (String f : v.split("\\s+")) flags.add(f.toLowerCase(Locale.ROOT)); }
                case "physical id" -> physId = v;
                case "core id" -> cores.add(physId + ":" + v);
                default -> {}
            }
        }
        return fromFlags(model == null ? "unknown" : model, arch, logical, cores.isEmpty() ? 0 : cores.size(), flags);
    }

    static CpuInfo fromFlags(String model, String arch, int logical, int physical, Set<String> flags) {
        List<String> f = new ArrayList<>();
        if (flags.contains("avx2")) f.add("AVX2");
        if (flags.contains("fma")) f.add("FMA");
        if (flags.contains("f16c")) f.add("F16C");
        if (flags.contains("avx512f")) f.add("AVX-512");
        if (flags.contains("avx512_vnni") || flags.contains("avx512vnni")) f.add("AVX512-VNNI");
        if (flags.contains("avx512_bf16")) f.add("AVX512-BF16");
        if (flags.contains("avx_vnni")) f.add("AVX-VNNI");
        if (flags.contains("amx_tile") || flags.contains("amx_int8")) f.add("AMX");
        if (flags.contains("asimd") || flags.contains("neon")) f.add("NEON");
        if (flags.contains("asimddp") || flags.contains("dotprod")) f.add("DOTPROD");
        if (flags.contains("sve")) f.add("SVE");
        int bits = flags.contains("avx512f") ? 512 : flags.contains("avx2") || flags.contains("avx") ? 256
                : flags.contains("sse2") || flags.contains("asimd") || flags.contains("neon") ? 128 : 0;
        return new CpuInfo(model, arch, logical, physical, bits, List.copyOf(f));
    }

    private static CpuInfo fromSysctl(String arch, int logical) {
        String model = sysctl("machdep.cpu.brand_string");
        String phys = sysctl("hw.physicalcpu");
        Set<String> flags = new TreeSet<>();
        if ("1".equals(sysctl("hw.optional.neon")) || "1".equals(sysctl("hw.optional.AdvSIMD"))) flags.add("neon");
        if ("1".equals(sysctl("hw.optional.arm.FEAT_DotProd"))) flags.add("dotprod");
        if ("1".equals(sysctl("hw.optional.avx2_0"))) flags.add("avx2");
        if ("1".equals(sysctl("hw.optional.avx512f"))) flags.add("avx512f");
        int p = 0;
        try {
            p = Integer.parseInt(phys);
        } catch (NumberFormatException ignored) {
            // unknown
        }
        return fromFlags(model.isEmpty() ? "unknown" : model, arch, logical, p, flags);
    }

    private static String sysctl(String key) {
        try {
            Process pr = new ProcessBuilder("sysctl", "-n", key).redirectErrorStream(true).start();
            String out = new String(pr.getInputStream().readAllBytes()).trim();
            return pr.waitFor(2, TimeUnit.SECONDS) && pr.exitValue() == 0 ? out : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
