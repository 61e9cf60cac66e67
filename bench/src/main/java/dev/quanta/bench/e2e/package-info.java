/**
 * The end-to-end benchmark behind {@code quanta bench}: prompt processing (pp) and token generation
 * (tg) measured the way llama.cpp's {@code llama-bench} measures them, its report formats (markdown
 * table, JSON, JSONL, CSV with llama-bench's field names) and an SVG bar chart.
 *
 * <ul>
 *   <li>{@link dev.quanta.bench.e2e.EndToEndBench} — loads each model, runs the tests, yields {@link dev.quanta.bench.e2e.BenchResult}s</li>
 *   <li>{@link dev.quanta.bench.e2e.BenchReport} — the output formats</li>
 *   <li>{@link dev.quanta.bench.e2e.SvgBarChart} — tokens/s per model type and backend</li>
 *   <li>{@link dev.quanta.bench.e2e.SynthBenchModels} — the default synthetic Llama-3.2-1B-shaped models, cached</li>
 * </ul>
 */
package dev.quanta.bench.e2e;
