#!/usr/bin/env bash
# CI stage "interop": the same models in focus and PyTorch (tests/reference/interop_check.py).
# Installs what focus needs plus Debian's python3-torch (for /usr/bin/python3) when root, or prints
# the apt-get line and exits 1; builds translate, fashion_cnn, fashion_vit and interop_logits in
# build/ (the tree scripts/test.sh builds; FOCUS_INTEROP_BUILD_DIR names another) and runs the
# tests labelled interop, which here must run rather than skip. Extra arguments go to ctest.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

FOCUS_DEB_PACKAGES+=(python3-torch)
FOCUS_BUILD_DIR="${FOCUS_INTEROP_BUILD_DIR:-${FOCUS_ROOT}/build}"

focus_ensure_packages
if ! /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
  echo "focus: /usr/bin/python3 cannot import torch although python3-torch is installed" >&2
  exit 1
fi
focus_log "configuring ${FOCUS_BUILD_DIR} (Release)"
cmake -S "${FOCUS_ROOT}" -B "${FOCUS_BUILD_DIR}" -DCMAKE_BUILD_TYPE=Release
focus_log "building translate, fashion_cnn, fashion_vit and interop_logits with $(nproc) jobs"
cmake --build "${FOCUS_BUILD_DIR}" -j"$(nproc)" --target translate fashion_cnn fashion_vit interop_logits
focus_log "running the interop tests (ctest -L interop)"
# --no-tests=error: without the system python nothing is registered, and that is a failure here.
ctest --test-dir "${FOCUS_BUILD_DIR}" --output-on-failure -L interop --no-tests=error "$@"
