/**
 * OpenCL backend: FFM bindings to libOpenCL and kernel launchers (issue: OpenCL backend).
 */
package dev.quanta.backend.opencl;
