#!/usr/bin/env bash
# The default test suite: installs what focus needs (see common.sh), builds it, and runs every
# CTest test except those labelled "long", "mpi" (those need mpirun: scripts/ci_mpi.sh runs them),
# "browser" (headless Chromium: scripts/ci_browser.sh) or "figure" (the image examples' full runs
# behind the README's figures, 8 and 13 minutes: ctest -L figure). Exits non-zero if the build or
# any test fails.
# Extra arguments go to ctest, e.g. scripts/test.sh -R autograd.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

focus_setup
focus_log "running the default suite (ctest -LE 'long|mpi|browser|figure|interop')"
# --no-tests=error: a suite that registered nothing is a broken build, not a pass.
ctest --test-dir "${FOCUS_BUILD_DIR}" --output-on-failure -j2 -LE 'long|mpi|browser|figure|interop' --no-tests=error "$@"
