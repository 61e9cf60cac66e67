package dev.quanta.backend.opencl;

import dev.quanta.backend.opencl.ffm.OpenClLibrary;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/** The first OpenCL device of the machine, or a skip that prints why there is none. */
final class TestDevices {
    private TestDevices() {}

    static ClDevice requireDevice() {
        if (!OpenClLibrary.available()) skip("OpenCL library: " + OpenClLibrary.reason());
        for (ClPlatform p : ClPlatform.all()) {
            List<ClDevice> ds = p.devices();
            if (!ds.isEmpty()) return ds.get(0);
        }
        skip("no OpenCL platform with a device");
        return null;
    }

    private static void skip(String reason) {
        System.out.println("SKIP OpenCL tests: " + reason);
        Assumptions.abort(reason);
    }
}
