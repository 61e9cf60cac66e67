package dev.quanta.hwdetect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CpuInfoTest {
    @Test
    void x86Flags() {
        String text = """
                processor\t: 0
                model name\t: Intel(R) Xeon(R) Platinum 8480+
                physical id\t: 0
                core id\t\t: 0
                flags\t\t: fpu sse2 avx avx2 fma f16c avx512f avx512_vnni amx_tile amx_int8 avx512_bf16

                processor\t: 1
                model name\t: Intel(R) Xeon(R) Platinum 8480+
                physical id\t: 0
                core id\t\t: 0
                flags\t\t: fpu sse2 avx avx2 fma f16c avx512f avx512_vnni amx_tile amx_int8 avx512_bf16
                """;
        CpuInfo c = CpuInfo.parseProcCpuinfo(text, "amd64", 2);
        assertEquals("Intel(R) Xeon(R) Platinum 8480+", c.model());
        assertEquals(512, c.simdBits());
        assertEquals(1, c.physicalCores());
        assertEquals(List.of("AVX2", "FMA", "F16C", "AVX-512", "AVX512-VNNI", "AVX512-BF16", "AMX"), c.features());
    }

    @Test
    void armFeatures() {
        CpuInfo c = CpuInfo.parseProcCpuinfo("processor : 0\nFeatures : fp asimd asimddp sve\n", "aarch64", 1);
        assertEquals(128, c.simdBits());
        assertEquals(List.of("NEON", "DOTPROD", "SVE"), c.features());
        assertEquals("unknown", c.model());
    }

    @Test
    void avx2Only() {
        CpuInfo c = CpuInfo.parseProcCpuinfo("model name : AMD Ryzen\nflags : sse2 avx avx2 fma\n", "amd64", 8);
        assertEquals(256, c.simdBits());
        assertTrue(c.features().contains("AVX2"));
    }

    @Test
    void thisMachine() {
        CpuInfo c = CpuInfo.detect();
        assertTrue(c.logicalCores() > 0);
        System.out.println("CpuInfo.detect(): " + c);
    }

    @Test
    void jvmFlagsOfTheTestRunAreComplete() {
        assertEquals(List.of(), JvmFlags.problems(), "surefire passes quanta.jvm.flags");
    }
}
