#!/usr/bin/env bash
# The sweeps behind docs/performance.md's charts, then the charts themselves: W4 time at every T
# (focus_bench and torch_extra.py), W4 peak memory per process (memory.sh), W2 time against batch
# size (16 .. 256). Usage: bench/charts.sh [BUILD_DIR] [THREADS] [OUT_DIR]
# (defaults build/, 1, docs/perf/). The raw lines are kept in OUT_DIR/results_<THREADS>.txt.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../build}"
n="${2:-1}"
out="${3:-$here/../docs/perf}"
mkdir -p "$out"
results="$out/results_$n.txt"
export OPENBLAS_NUM_THREADS=$n OMP_NUM_THREADS=$n
: > "$results"
"$build/bench/focus_bench" --threads "$n" --only attention_scaling | tee -a "$results"
/usr/bin/python3 "$here/torch_extra.py" "$n" --only attention_scaling | tee -a "$results"
for b in 16 32 64 128 256; do
  "$build/bench/focus_bench" --threads "$n" --only transformer_step --batch "$b" | tee -a "$results"
  /usr/bin/python3 "$here/torch_extra.py" "$n" --only transformer_step --batch "$b" | tee -a "$results"
done
"$here/memory.sh" "$build" "$n" | tee -a "$results"
"$build/bench/perf_charts" "$results" "$out" "$n"
echo "charts in $out"
