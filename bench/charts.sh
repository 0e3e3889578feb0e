#!/usr/bin/env bash
# The sweeps behind docs/performance.md's charts, then the charts themselves: W4 time at every T
# (focus_bench and torch_extra.py), W4 peak memory per process (memory.sh), W2 time against batch
# size (16 .. 256), W6 time against T (LONG_RUNS runs back to back, default 3; minutes each).
# Usage: [LONG_RUNS=N] bench/charts.sh [BUILD_DIR] [THREADS] [OUT_DIR]  (defaults build/, 1, docs/perf/).
# The raw lines are kept in OUT_DIR/results_<THREADS>.txt and, W6's, OUT_DIR/attention_long_<THREADS>.txt.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../build}"
n="${2:-1}"
out="${3:-$here/../docs/perf}"
long_runs="${LONG_RUNS:-3}"
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

# W6 in its own file: each run is headed by a '#' line with the time, the commit and the load,
# since the absolute times are only comparable between runs made under the same load.
long="$out/attention_long_$n.txt"
echo "# focus_bench --only attention_long --threads $n, $long_runs runs back to back (bench/charts.sh)" > "$long"
for r in $(seq 1 "$long_runs"); do
  echo "# run $r of $long_runs: $(date -u '+%Y-%m-%d %H:%M UTC'), focus at" \
    "$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)," \
    "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$long"
  "$build/bench/focus_bench" --threads "$n" --only attention_long | tee -a "$long"
  echo "# run $r done: load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$long"
done
"$build/bench/perf_charts" "$long" "$out" "$n"
echo "charts in $out"
