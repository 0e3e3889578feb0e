#!/usr/bin/env bash
# Side-by-side timing of focus and PyTorch: focus_bench, torch_ref.py (W1, W2) and torch_extra.py
# (W3, W4) run alternately, ROUNDS rounds at each thread count, with OpenBLAS and OpenMP pinned on
# both sides. Prints each ratio as PyTorch ms / focus ms (above 1: focus is faster): the median over
# the rounds and its spread (lowest..highest), one key=value line per workload (per T for W4).
# Usage: bench/compare.sh [BUILD_DIR]   (default build/); environment: ROUNDS (3), THREADS ("1 2"),
# TORCH_REF (../shared/bench/torch_ref.py beside the repository), DECODE_ITERS (3: a PyTorch decode step takes seconds),
# OUT (a folder for the raw lines; default a temporary one), WORKLOADS (a subset of focus_bench's;
# the image examples' steps W7 and W8 run when named: WORKLOADS="image_cnn_step image_vit_step").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../build}"
bench_bin="$build/bench/focus_bench"
torch_ref="${TORCH_REF:-$here/../../shared/bench/torch_ref.py}"  # ../shared beside the repository
rounds="${ROUNDS:-3}"
threads_list="${THREADS:-1 2}"
decode_iters="${DECODE_ITERS:-3}"
out="${OUT:-$(mktemp -d)}"
# W1 needs W2 in the list: torch_ref.py times both in one run. W5 has no PyTorch side.
workloads="${WORKLOADS:-seed_attention transformer_step decode attention_scaling gemm_efficiency}"
mkdir -p "$out"

[[ -x "$bench_bin" ]] || { echo "compare.sh: no focus_bench at $bench_bin; build with -DFOCUS_BUILD_BENCH=ON" >&2; exit 1; }
[[ -f "$torch_ref" ]] || { echo "compare.sh: no torch_ref.py at $torch_ref; set TORCH_REF" >&2; exit 1; }
/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "compare.sh: /usr/bin/python3 cannot import torch (apt-get install python3-torch)" >&2; exit 1; }

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $threads_list; do
  for r in $(seq 1 "$rounds"); do
    export OPENBLAS_NUM_THREADS=$n OMP_NUM_THREADS=$n
    for w in $workloads; do
      "$bench_bin" --threads "$n" --only "$w" | tee -a "$out/focus_$n.txt" >&2
      case "$w" in
        seed_attention) ;;  # torch_ref.py runs W1 and W2 together, below
        transformer_step) /usr/bin/python3 "$torch_ref" "$n" | tee -a "$out/torch_$n.txt" >&2 ;;
        decode) /usr/bin/python3 "$here/torch_extra.py" "$n" --only decode --iters "$decode_iters" | tee -a "$out/torch_$n.txt" >&2 ;;
        attention_scaling) /usr/bin/python3 "$here/torch_extra.py" "$n" --only attention_scaling | tee -a "$out/torch_$n.txt" >&2 ;;
        image_cnn_step|image_vit_step) /usr/bin/python3 "$here/torch_extra.py" "$n" --only "$w" | tee -a "$out/torch_$n.txt" >&2 ;;
      esac
    done
    echo "round $r of $rounds at $n threads done; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  done
done

# Pair the lines of both sides by (workload, T) and round; torch_ref.py prints "NAME threads=N ms=X".
/usr/bin/python3 - "$out" $threads_list <<'EOF'
import statistics, sys
from collections import defaultdict
folder, threads = sys.argv[1], sys.argv[2:]
def parse(path):
    runs = defaultdict(list)
    for line in open(path):
        kv = dict(p.split("=", 1) for p in line.split() if "=" in p)
        name = kv.get("name") or line.split()[0]
        ms = kv.get("focus_ms") or kv.get("torch_ms") or kv.get("ms")
        if ms is None or kv.get("shape"):
            continue
        key = name + (f" T={kv['T']}" if "T" in kv else "")
        runs[key].append(float(ms))
    return runs
for n in threads:
    f, t = parse(f"{folder}/focus_{n}.txt"), parse(f"{folder}/torch_{n}.txt")
    for key in f:
        if key not in t:
            continue
        ratios = [tm / fm for fm, tm in zip(f[key], t[key])]
        name, *rest = key.split()
        print(f"name={name} {' '.join(rest) + ' ' if rest else ''}threads={n} focus_ms={statistics.median(f[key]):.3f} "
              f"torch_ms={statistics.median(t[key]):.3f} ratio={statistics.median(ratios):.2f} "
              f"spread={min(ratios):.2f}..{max(ratios):.2f} rounds={len(ratios)}")
EOF
echo "raw lines in $out; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
