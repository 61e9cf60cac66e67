/**
 * Hardware report and backend choice through ServiceLoader (issue: OpenCL backend and hardware detection).
 */
package dev.quanta.hwdetect;
