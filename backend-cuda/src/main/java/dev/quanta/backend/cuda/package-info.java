/**
 * CUDA backend: FFM bindings to the CUDA driver API ({@code ffm/}: raw downcall handles; this
 * package: owners with lifetimes — {@link dev.quanta.backend.cuda.CudaDevice},
 * {@code CudaBuffer}, {@code CudaStream}) running the kernels of
 * {@code kernels/src/main/cuda/quanta.cu} from the checked-in fatbin/PTX.
 */
package dev.quanta.backend.cuda;
