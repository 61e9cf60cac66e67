/**
 * CUDA backend: FFM bindings to the CUDA driver API and PTX kernel launchers (issue: CUDA backend).
 */
package dev.quanta.backend.cuda;
