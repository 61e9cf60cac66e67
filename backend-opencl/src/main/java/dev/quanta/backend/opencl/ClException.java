package dev.quanta.backend.opencl;

import dev.quanta.backend.opencl.ffm.ClStatus;
import dev.quanta.kernels.backend.BackendException;

/** An OpenCL call returned an error status: names the call and the status symbolically. */
public class ClException extends BackendException {
    private final int code;
    private final String call;

    public ClException(String call, int code) {
        this(call, code, call + " failed: " + ClStatus.name(code));
    }

    protected ClException(String call, int code, String message) {
        super(message);
        this.code = code;
        this.call = call;
    }

    /** The status code, e.g. -5. */
    public int code() {
        return code;
    }

    /** The symbolic status, e.g. "CL_OUT_OF_RESOURCES". */
    public String status() {
        return ClStatus.name(code);
    }

    /** The OpenCL entry point that failed, e.g. "clEnqueueNDRangeKernel". */
    public String call() {
        return call;
    }

    /** Throws a {@link ClException} naming {@code call} unless {@code code} is CL_SUCCESS. */
    public static void check(int code, String call) {
        if (code != 0) throw new ClException(call, code);
    }

    /** A failed {@code clBuildProgram}: the message carries the compiler's build log. */
    public static final class BuildFailure extends ClException {
        private final String log;

        public BuildFailure(int code, String device, String log) {
            super("clBuildProgram", code, "clBuildProgram failed on " + device + ": " + ClStatus.name(code)
                    + (log.isBlank() ? "" : "\n" + log.strip()));
            this.log = log;
        }

        /** The compiler output as the driver returned it. */
        public String buildLog() {
            return log;
        }
    }
}
