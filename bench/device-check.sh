#!/usr/bin/env bash
# One call on the GPU machine (the `device` tool; prepare with bench/device-prepare.sh and carry
# .device): CUDA conformance catalogue, the stories260K golden test and the reference-logit models
# on CUDA, then end-to-end benchmarks on synthetic Llama-3.2-1B and Llama-3.1-8B shapes.
# Everything goes under $OUT (at most 8 files come back).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
OUT="${OUT:-$ROOT/target/device-out}"
mkdir -p "$OUT"
D="$ROOT/.device"
J="$D/jre/bin/java"
FLAGS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
CP="$(ls "$D"/lib/*.jar | tr '\n' ':')$(ls "$D"/test/*.jar | tr '\n' ':')"
{
  nvidia-smi || true
  "$J" -version 2>&1
} >"$OUT/system.txt" 2>&1

# 1. CUDA conformance + golden/reference tests with the CUDA backend forced.
"$J" $FLAGS -Dquanta.shared="$D/shared" -Dquanta.test.backend=cuda -jar "$D"/junit-platform-console-standalone-*.jar \
  execute --class-path "$CP" --scan-class-path --include-classname '.*(Cuda|Golden|Reference.*Model).*' \
  --details=tree --disable-banner >"$OUT/tests.txt" 2>&1
echo "tests exit $?" >>"$OUT/tests.txt"

# 2. Benchmarks: synthetic models written directly in quantized form, then quanta bench on CUDA.
M="$ROOT/target/models"; mkdir -p "$M"
run() { "$J" $FLAGS -cp "$CP" dev.quanta.cli.Main "$@"; }
{
  for shape in llama-1b llama-8b; do
    for t in Q4_0 Q4_K_M Q8_0 F16; do
      f="$M/$shape-$t.gguf"
      [ -f "$f" ] || run synth --arch llama --shape "$shape" --type "$t" -o "$f" --seed 1
    done
  done
  for shape in llama-1b llama-8b; do
    run bench --backend cuda -p 512 -n 128 -r 3 -o md $(for t in Q4_0 Q4_K_M Q8_0 F16; do echo -m "$M/$shape-$t.gguf"; done)
  done
} >"$OUT/bench.txt" 2>&1
echo "bench exit $?" >>"$OUT/bench.txt"
ls -la "$OUT"
