#!/usr/bin/env bash
# One call on the GPU machine (the `device` tool), after bench/device-prepare.sh in the checkout the
# tool sends:
#   run(command: "bash bench/device-check.sh", carry: [".device"], timeout_s: 540)
# 1. the CUDA tests (CudaConformanceTest: the whole conformance catalogue on the GPU; CudaProbeTest;
#    CudaPlannerTest) and the stories260K golden / reference-logit model tests with the CUDA backend;
# 2. a short benchmark of a synthetic Llama-3.2-1B (Q4_0 and Q4_K_M) on CUDA, with CUDA graphs on
#    and off (-Dquanta.cuda.graphs), so the graph replay is both exercised and measured.
# Each step has its own time limit so the whole run stays under ~8 minutes of device time and
# the results of the finished steps come back. Everything goes under $OUT (at most 8 files).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
OUT="${OUT:-$ROOT/target/device-out}"
mkdir -p "$OUT"
D="$ROOT/.device"
[ -f "$D/jre.tgz" ] || { echo "no .device/jre.tgz: run bench/device-prepare.sh and carry .device" | tee "$OUT/system.txt"; exit 2; }
JRE=/tmp/quanta-jre
rm -rf "$JRE" && mkdir -p "$JRE"
tar -xzf "$D/jre.tgz" -C "$JRE" || python3 -c "import sys,tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" "$D/jre.tgz" "$JRE"
J="$JRE/jre/bin/java"
FLAGS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
CP="$(ls "$D"/lib/*.jar | tr '\n' ':')$(ls "$D"/test/*.jar | tr '\n' ':')"
{
  nvidia-smi || true
  "$J" -version 2>&1
} >"$OUT/system.txt" 2>&1

# 1. CUDA tests + golden/reference tests with the CUDA backend forced (at most 4 minutes).
timeout 240 "$J" $FLAGS -Dquanta.shared="$D/shared" -Dquanta.test.backend=cuda -jar "$D"/junit-platform-console-standalone-*.jar \
  execute --class-path "$CP" --scan-class-path --include-classname '.*(Cuda|Golden|Reference.*Model).*' \
  --details=tree --disable-banner >"$OUT/tests.txt" 2>&1
echo "tests exit $?" >>"$OUT/tests.txt"

# 2. Benchmarks (at most 4 minutes): synthetic Llama-3.2-1B written directly in quantized form.
M=/tmp/quanta-models; mkdir -p "$M"
run() { local limit="$1"; shift; timeout "$limit" "$J" $FLAGS "$@"; echo "exit $? of: $*"; }
{
  for t in Q4_0 Q4_K_M; do
    [ -f "$M/llama-1b-$t.gguf" ] || run 60 -cp "$CP" dev.quanta.cli.Main synth --arch llama --shape llama-1b --type "$t" -o "$M/llama-1b-$t.gguf" --seed 1
  done
  for g in true false; do
    echo "== CUDA graphs: $g"
    run 60 -Dquanta.cuda.graphs=$g -cp "$CP" dev.quanta.cli.Main bench --backend cuda -p 512 -n 128 -r 2 -o md -m "$M/llama-1b-Q4_0.gguf" -m "$M/llama-1b-Q4_K_M.gguf"
  done
} >"$OUT/bench.txt" 2>&1
ls -la "$OUT"
