#!/usr/bin/env bash
# Prepares what bench/device-check.sh needs on the GPU machine, which has the NVIDIA driver but no
# JDK and no network: a trimmed Java runtime made with jlink (as .device/jre.tgz), every Quanta
# jar, the test classes, their dependencies, the JUnit console launcher and the test data the
# device tests read, all under .device/ (ignored by git; pass it to the device tool with
# carry: [".device"]). Run it in the checkout the device tool sends (the session's own checkout,
# not a helper's worktree) after building what you want checked; it fails when checkout + .device
# would pass the tool's 64 MiB.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
D="$ROOT/.device"
rm -rf "$D" && mkdir -p "$D/lib" "$D/test"
# One reactor run: package every module and copy the runtime dependencies of all of them (the
# project's own jars are not installed in ~/.m2, so copy-dependencies must run in this reactor).
./mvnw -B -ntp -q -DskipTests -Dquanta.skipCudaCheck=true package dependency:copy-dependencies \
  -DincludeScope=runtime -DexcludeGroupIds=dev.quanta -DoutputDirectory="$D/lib"
for m in kernels loader backend-cpu backend-opencl backend-cuda hwdetect runtime server cli bench; do
  cp "$m"/target/quanta-*.jar "$D/lib/" 2>/dev/null || true
  cp "$m"/target/quanta-cli.jar "$D/lib/" 2>/dev/null || true
  [ -d "$m/target/test-classes" ] && (cd "$m/target/test-classes" && "$JAVA_HOME/bin/jar" cf "$D/test/$m-tests.jar" .)
done
cp cli/target/lib/*.jar "$D/lib/"
./mvnw -B -ntp -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 -DoutputDirectory="$D"
rm -f "$D"/lib/*-tests.jar
# The test data the device tests read (../shared does not travel; the carried tree must stay < 64 MiB).
mkdir -p "$D/shared/testdata/reference"
cp -r ../shared/testdata/stories260K "$D/shared/testdata/"
for m in llama-gqa-f32 llama-medium-q4_0 llama-medium-q4_k_m qwen2-q8_0; do cp -r "../shared/testdata/reference/$m" "$D/shared/testdata/reference/"; done
cp ../shared/testdata/reference/README.md "$D/shared/testdata/reference/"
# A trimmed runtime: no CDS archive, stripped libjvm, shipped as one gzip'd tar that
# device-check.sh unpacks under /tmp (a plain jre/ folder alone would be ~50 MiB of the 64).
rm -rf "$D/jre"
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.incubator.vector,jdk.unsupported,java.net.http,java.naming,java.sql,jdk.zipfs \
  --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output "$D/jre"
rm -f "$D"/jre/lib/server/*.jsa
strip --strip-unneeded "$D/jre/lib/server/libjvm.so" 2>/dev/null || true
tar -czf "$D/jre.tgz" -C "$D" jre
rm -rf "$D/jre"
du -sh "$D" "$D/jre.tgz" "$D/lib" "$D/shared"
# The device tool sends the checkout plus carried paths, 64 MiB in all.
tree=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
dev=$(du -sb "$D" | cut -f1)
echo "travels: $(( (tree + dev) / 1048576 )) MiB (tracked files $(( tree / 1048576 )) MiB + .device $(( dev / 1048576 )) MiB; limit 64)"
[ $(( tree + dev )) -lt $(( 64 * 1048576 )) ] || { echo "device-prepare: over the 64 MiB the device tool carries" >&2; exit 1; }
