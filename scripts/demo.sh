#!/usr/bin/env bash
# The main job: installs what focus needs (see common.sh), builds it, and runs the demo.
# Extra arguments go to the demo program, e.g. scripts/demo.sh --steps 500 --seed 3.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# What the demo runs: this function is the one place to change it.
# The translation example: train on the zh-en toy corpus, score the held-out test set, draw the
# attention maps and loss curves into build/demo/, then translate the seed article's sentence.
run_demo() {
  local out="${FOCUS_BUILD_DIR}/demo"
  mkdir -p "$out"
  "${FOCUS_BUILD_DIR}/examples/translate/translate" train --task zh-en --threads 2 \
    --save "$out/zh-en.safetensors" --plots "$out/plots" "$@"
  echo "translate run: 我爱学习编程 -> $("${FOCUS_BUILD_DIR}/examples/translate/translate" run \
    --load "$out/zh-en.safetensors" 我爱学习编程)"
}

focus_setup
focus_log "running the demo"
run_demo "$@"
