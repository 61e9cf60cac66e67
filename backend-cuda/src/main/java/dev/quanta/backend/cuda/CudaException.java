package dev.quanta.backend.cuda;

import dev.quanta.kernels.backend.BackendException;

/** A CUDA driver call that failed: the call, the CUresult name and the driver's description. */
public final class CudaException extends BackendException {
    private final int code;

    public CudaException(String call, int code, String name, String text) {
        super(call + " failed: " + name + " (" + code + ")" + (text == null ? "" : ": " + text));
        this.code = code;
    }

    public int code() {
        return code;
    }
}
