/**
 * Model configs, architectures, KV cache, sampling, generation and the Java API (issue: runtime).
 */
package dev.quanta.runtime;
