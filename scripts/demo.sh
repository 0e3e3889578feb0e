#!/usr/bin/env bash
# The main job: installs what focus needs (see common.sh), builds it, and runs the demo.
# Extra arguments go to the demo program, e.g. scripts/demo.sh --steps 500 --seed 3.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# What the demo runs: this function is the one place to change it.
run_demo() {
  "${FOCUS_BUILD_DIR}/examples/xor_mlp/xor_mlp" "$@"
}

focus_setup
focus_log "running the demo"
run_demo "$@"
