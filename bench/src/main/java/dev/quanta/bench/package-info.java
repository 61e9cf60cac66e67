/**
 * JMH kernel benchmarks and the end-to-end benchmark (issue: CPU backend and benchmarks).
 */
package dev.quanta.bench;
