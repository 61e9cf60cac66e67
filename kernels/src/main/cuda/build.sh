#!/usr/bin/env bash
# Builds the CUDA kernels of kernels/src/main/cuda/quanta.cu into the resources the CUDA backend
# loads: quanta.ptx (PTX for compute_75, JIT-compiled by any newer driver) and quanta.fatbin
# (cubins for sm_75, sm_80, sm_86, sm_89, sm_90 plus that PTX), both checked in so users need
# only the NVIDIA driver. quanta.cu includes the headers shared with the OpenCL kernels
# (src/main/resources/kernels/common.h, quants.h): they are inputs too, so editing them makes the
# checked-in files stale as well.
#   build.sh           regenerate the checked-in files (run after editing quanta.cu)
#   build.sh --check   (the Maven build runs this) compile every target architecture into
#                      target/cuda and fail when the checked-in files are stale; without nvcc,
#                      say so and succeed
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
module="$(cd "$here/../../.." && pwd)"
res="$module/src/main/resources/kernels/cuda"
shared="$module/src/main/resources/kernels"
mode="${1:-build}"
if ! command -v nvcc >/dev/null 2>&1; then
  echo "cuda kernels: nvcc not found, skipping the compile and staleness check of quanta.cu"
  exit 0
fi
out="$module/target/cuda"
mkdir -p "$out" "$res"
ver="$(nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')"
gencode=(-gencode arch=compute_75,code=sm_75 -gencode arch=compute_80,code=sm_80 -gencode arch=compute_86,code=sm_86
         -gencode arch=compute_89,code=sm_89 -gencode arch=compute_90,code=sm_90 -gencode arch=compute_75,code=compute_75)
nvcc -ptx -arch=compute_75 -O3 --Werror all-warnings -I "$shared" -o "$out/quanta.ptx" "$here/quanta.cu"
nvcc -fatbin -O3 --Werror all-warnings -I "$shared" "${gencode[@]}" -o "$out/quanta.fatbin" "$here/quanta.cu"
if [ "$mode" = "--check" ]; then
  recorded="$(cat "$res/nvcc.version" 2>/dev/null || echo none)"
  if [ "$recorded" != "$ver" ]; then
    echo "cuda kernels: compiled for every target with nvcc $ver; checked-in files were made by nvcc $recorded, so they are not compared"
    exit 0
  fi
  for f in quanta.ptx quanta.fatbin; do
    if ! cmp -s "$out/$f" "$res/$f"; then
      echo "cuda kernels: $res/$f is stale (quanta.cu, common.h or quants.h changed); run kernels/src/main/cuda/build.sh and commit the result" >&2
      exit 1
    fi
  done
  echo "cuda kernels: compiled for sm_75/80/86/89/90 + compute_75 PTX; checked-in PTX and fatbin are current (nvcc $ver)"
else
  cp "$out/quanta.ptx" "$out/quanta.fatbin" "$res/"
  echo "$ver" > "$res/nvcc.version"
  echo "cuda kernels: regenerated $res/quanta.ptx and quanta.fatbin with nvcc $ver"
fi
