package dev.quanta.backend.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.quanta.backend.cuda.ffm.CudaDriver;
import dev.quanta.backend.cuda.ffm.CudaLibrary;
import dev.quanta.kernels.backend.BackendProvider;
import dev.quanta.kernels.backend.Device;
import dev.quanta.kernels.backend.Probe;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * NVIDIA GPUs through the CUDA driver API. Needs only the driver (libcuda.so.1, version 580 /
 * CUDA 13 or newer for the checked-in PTX ISA 9.0; the fatbin's cubins cover sm_75..sm_90).
 */
public final class CudaBackendProvider implements BackendProvider {
    /** CUDA 13.0 as cuDriverGetVersion reports it. */
    static final int MIN_DRIVER = 13000;
    private Probe probe;
    private List<Device> devices;

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public synchronized Probe probe() {
        if (probe == null) probe = doProbe();
        return probe;
    }

    private static Probe doProbe() {
        if (!CudaLibrary.available()) return Probe.unusable(CudaLibrary.reason());
        try (Arena a = Arena.ofConfined()) {
            int r = Cuda.call(() -> (int) CudaDriver.cuInit.invokeExact(0));
            if (r != 0) return Probe.unusable("cuInit failed: " + Cuda.errorName(r) + " (" + Cuda.errorString(r) + ")");
            MemorySegment v = a.allocate(JAVA_INT);
            Cuda.check(Cuda.call(() -> (int) CudaDriver.cuDriverGetVersion.invokeExact(v)), "cuDriverGetVersion");
            int ver = v.get(JAVA_INT, 0);
            MemorySegment c = a.allocate(JAVA_INT);
            Cuda.check(Cuda.call(() -> (int) CudaDriver.cuDeviceGetCount.invokeExact(c)), "cuDeviceGetCount");
            int count = c.get(JAVA_INT, 0);
            if (count == 0) return Probe.unusable("the NVIDIA driver reports no CUDA device");
            String driver = "CUDA driver " + ver / 1000 + "." + (ver % 1000) / 10;
            if (ver < MIN_DRIVER)
                return Probe.unusable(driver + " is older than 13.0 (driver 580): update the NVIDIA driver, or use --backend opencl");
            return new Probe(100, count + " CUDA device(s), " + driver);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return Probe.unusable("CUDA driver unusable: " + e.getMessage());
        }
    }

    @Override
    public synchronized List<Device> devices() {
        if (devices == null) {
            List<Device> ds = new ArrayList<>();
            if (probe().usable()) {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment c = a.allocate(JAVA_INT);
                    Cuda.check(Cuda.call(() -> (int) CudaDriver.cuDeviceGetCount.invokeExact(c)), "cuDeviceGetCount");
                    for (int i = 0; i < c.get(JAVA_INT, 0); i++) ds.add(new CudaDevice(i));
                }
            }
            devices = List.copyOf(ds);
        }
        return devices;
    }
}
