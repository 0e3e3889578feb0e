#!/usr/bin/env bash
# CI stage "dnnl": the second build focus supports, with the optional oneDNN backend for matrix
# products (-DFOCUS_WITH_DNNL=ON, tensor/dnnl/): installs Debian's libdnnl-dev when root (or
# prints the apt-get line and exits 1), builds build-dnnl/, and runs the default suite there, which
# then includes the bf16 checks (tests/test_precision.cpp) and a short bf16 training run. The
# OpenBLAS-only build is scripts/test.sh's. Extra arguments go to ctest.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# libdnnl-dev's CMake package looks for OpenCL (Debian builds oneDNN with its OpenCL GPU runtime)
# and fails without it, but Debian only recommends the OpenCL development files: name them.
FOCUS_DEB_PACKAGES+=(libdnnl-dev ocl-icd-opencl-dev)
FOCUS_BUILD_DIR="${FOCUS_ROOT}/build-dnnl"

focus_ensure_packages
# bf16 checks skip themselves on CPUs without AVX512_BF16; say which kind of CPU this run had.
cpu_model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
cpu_flags="$(grep -o -w -E 'avx512f|avx512_bf16|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')"
focus_log "CPU: ${cpu_model:-unknown}; flags: ${cpu_flags:-no AVX-512}"
focus_log "configuring ${FOCUS_BUILD_DIR} (Release, FOCUS_WITH_DNNL=ON)"
cmake -S "${FOCUS_ROOT}" -B "${FOCUS_BUILD_DIR}" -DCMAKE_BUILD_TYPE=Release -DFOCUS_WITH_DNNL=ON
focus_log "building with $(nproc) jobs"
cmake --build "${FOCUS_BUILD_DIR}" -j"$(nproc)"
focus_log "running the default suite on the oneDNN build"
ctest --test-dir "${FOCUS_BUILD_DIR}" --output-on-failure -j"$(nproc)" -LE 'long|mpi|browser|figure|interop' \
  --no-tests=error "$@"
