/**
 * CPU backend: Java Vector API kernels and a fixed pool of platform threads (issue: CPU backend).
 */
package dev.quanta.backend.cpu;
