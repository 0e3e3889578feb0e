#!/usr/bin/env bash
# Peak memory per process: each framework and workload (and each T of W4) runs alone in a fresh
# process, and /usr/bin/time -v reports its peak resident set size, read from the OS. Runs a few
# steps only (focus_bench: 3 warm-up and 1 timed): the peak is reached in the first step.
# Usage: bench/memory.sh [BUILD_DIR] [THREADS]   (defaults build/, 1). Prints one line per run:
#   name=... [T=...] framework=focus|torch threads=N peak_rss_mb=X
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../build}"
n="${2:-1}"
bench_bin="$build/bench/focus_bench"
[[ -x "$bench_bin" ]] || { echo "memory.sh: no focus_bench at $bench_bin" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "memory.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
export OPENBLAS_NUM_THREADS=$n OMP_NUM_THREADS=$n

peak() {  # peak RSS in MiB of the command "$@", from /usr/bin/time -v
  local log
  log="$(mktemp)"
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log" >&2; rm -f "$log"; return 1; }
  awk '/Maximum resident set size/ {printf "%.1f", $NF / 1024}' "$log"
  rm -f "$log"
}

for w in seed_attention transformer_step decode; do
  echo "name=$w framework=focus threads=$n peak_rss_mb=$(peak "$bench_bin" --threads "$n" --only "$w" --iters 1)"
  # --check-rows 0: W3's check against uncached decoding (a float64 copy of the model) is not the workload.
  echo "name=$w framework=torch threads=$n peak_rss_mb=$(peak /usr/bin/python3 "$here/torch_extra.py" "$n" --only "$w" --iters 1 --check-rows 0)"
done
for T in 128 256 512 1024 2048 4096; do
  echo "name=attention_scaling T=$T framework=focus threads=$n peak_rss_mb=$(peak "$bench_bin" --threads "$n" --only attention_scaling --T "$T" --iters 1)"
  echo "name=attention_scaling T=$T framework=torch threads=$n peak_rss_mb=$(peak /usr/bin/python3 "$here/torch_extra.py" "$n" --only attention_scaling --T "$T" --iters 1)"
done
# The interpreter and libraries alone, the floor under every torch number above.
echo "name=baseline framework=torch threads=$n peak_rss_mb=$(peak /usr/bin/python3 -c 'import torch, torch.nn')"
