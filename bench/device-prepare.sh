#!/usr/bin/env bash
# Prepares what bench/device-check.sh needs on the GPU machine, which has the NVIDIA driver but no
# JDK and no network: a trimmed Java runtime made with jlink, every Quanta jar (test-jars too),
# their dependencies and the JUnit console launcher, all under .device/ (ignored by git; pass it to
# the device tool with carry: [".device"]).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
D="$ROOT/.device"
rm -rf "$D" && mkdir -p "$D/lib" "$D/test"
./mvnw -B -ntp -q -DskipTests -Dquanta.skipCudaCheck=true package
for m in kernels loader backend-cpu backend-opencl backend-cuda hwdetect runtime server cli bench; do
  cp "$m"/target/quanta-*.jar "$D/lib/" 2>/dev/null || true
  cp "$m"/target/quanta-cli.jar "$D/lib/" 2>/dev/null || true
  [ -d "$m/target/test-classes" ] && (cd "$m/target/test-classes" && "$JAVA_HOME/bin/jar" cf "$D/test/$m-tests.jar" .)
done
cp cli/target/lib/*.jar "$D/lib/"
./mvnw -B -ntp -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 -DoutputDirectory="$D"
./mvnw -B -ntp -q dependency:copy-dependencies -pl bench -DincludeScope=runtime -DoutputDirectory="$D/lib"
rm -f "$D"/lib/*-tests.jar
# The test data the device tests read (../shared does not travel; the carried tree must stay < 64 MiB).
mkdir -p "$D/shared/testdata/reference"
cp -r ../shared/testdata/stories260K "$D/shared/testdata/"
for m in llama-gqa-f32 llama-medium-q4_0 llama-medium-q4_k_m qwen2-q8_0; do cp -r "../shared/testdata/reference/$m" "$D/shared/testdata/reference/"; done
cp ../shared/testdata/reference/README.md "$D/shared/testdata/reference/"
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.incubator.vector,jdk.unsupported,java.net.http,jdk.httpserver,java.naming,java.sql,jdk.crypto.ec,jdk.zipfs \
  --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output "$D/jre"
du -sh "$D" "$D/jre" "$D/lib"
