package dev.quanta.kernels.backend;

public enum DeviceKind { CPU, GPU, IGPU, ACCELERATOR }
