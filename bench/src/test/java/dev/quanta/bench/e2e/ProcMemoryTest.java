package dev.quanta.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProcMemoryTest {
    @Test
    void parsesProcStatusKilobytes() {
        String status = "Name:\tjava\nVmPeak:\t 9999 kB\nVmRSS:\t  300 kB\nRssAnon:\t 100 kB\nRssFile:\t 200 kB\nRssShmem:\t0 kB\n";
        ProcMemory m = ProcMemory.parse(status);
        assertEquals(300 * 1024, m.rssBytes());
        assertEquals(100 * 1024, m.rssAnonBytes());
        assertEquals(200 * 1024, m.rssFileBytes());
    }

    @Test
    void missingLinesAreUnknown() {
        assertEquals(ProcMemory.UNKNOWN, ProcMemory.parse("Name:\tx\n"));
        assertEquals(new ProcMemory(5, 7, 1), new ProcMemory(5, 2, -1).max(new ProcMemory(-1, 7, 1)));
    }

    @Test
    void readsThisProcessOnLinux() {
        if (!java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/self/status"))) {
            System.out.println("skipped: /proc/self/status is absent (not Linux)");
            return;
        }
        ProcMemory m = ProcMemory.now();
        assertTrue(m.rssBytes() > 0, "VmRSS of a running JVM is positive: " + m);
        assertTrue(m.rssAnonBytes() > 0 && m.rssAnonBytes() <= m.rssBytes(), m.toString());
    }
}
