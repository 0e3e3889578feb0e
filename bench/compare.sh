#!/usr/bin/env bash
# Side-by-side timing of focus and PyTorch: focus_bench, torch_ref.py (W1, W2), torch_extra.py
# (W3, W4) and, when built, torch_bench (W1, W2 in libtorch, PyTorch's C++ API) run alternately,
# ROUNDS rounds at each thread count, with OpenBLAS and OpenMP pinned on both sides. Prints each
# ratio as peer ms / focus ms (above 1: focus is faster): the median over the rounds and its spread
# (lowest..highest), one key=value line per workload (per T for W4) and peer (pytorch, libtorch).
# At N > 1 threads each peer runs twice per workload and round, torch.set_num_threads(N) with
# OpenBLAS at N threads and at 1 (its two pools otherwise fight over the cores); the faster
# configuration by median gives the ratio (torch_openblas=), the other is printed beside it (alt_).
# Usage: bench/compare.sh [BUILD_DIR]   (default build/); environment: ROUNDS (3), THREADS ("1 2"),
# TORCH_REF (../shared/bench/torch_ref.py beside the repository), DECODE_ITERS (10),
# TORCH_OPENBLAS ("best", the two configurations above; "same": OpenBLAS at N only),
# OUT (a folder for the raw lines; default a temporary one), WORKLOADS (a subset of focus_bench's;
# the image examples' steps W7 and W8 run when named: WORKLOADS="image_cnn_step image_vit_step"),
# FOCUS_ARGS (more flags for focus_bench, e.g. "--precision bf16" with a oneDNN build).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../build}"
bench_bin="$build/bench/focus_bench"
torch_ref="${TORCH_REF:-$here/../../shared/bench/torch_ref.py}"  # ../shared beside the repository
rounds="${ROUNDS:-3}"
threads_list="${THREADS:-1 2}"
decode_iters="${DECODE_ITERS:-10}"
torch_openblas="${TORCH_OPENBLAS:-best}"
out="${OUT:-$(mktemp -d)}"
# W1 needs W2 in the list: torch_ref.py times both in one run. W5 has no PyTorch side.
workloads="${WORKLOADS:-seed_attention transformer_step decode attention_scaling gemm_efficiency}"
mkdir -p "$out"

[[ -x "$bench_bin" ]] || { echo "compare.sh: no focus_bench at $bench_bin; build with -DFOCUS_BUILD_BENCH=ON" >&2; exit 1; }
[[ -f "$torch_ref" ]] || { echo "compare.sh: no torch_ref.py at $torch_ref; set TORCH_REF" >&2; exit 1; }
[[ "$torch_openblas" == best || "$torch_openblas" == same ]] || { echo "compare.sh: TORCH_OPENBLAS is best or same; got '$torch_openblas'" >&2; exit 1; }
/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "compare.sh: /usr/bin/python3 cannot import torch (apt-get install python3-torch)" >&2; exit 1; }

# PyTorch's side of workload $1 at $2 threads with OpenBLAS at $3 threads, appended to its file.
run_torch() {
  local w="$1" n="$2" blas="$3" file="$out/torch_${2}_openblas${3}.txt"
  case "$w" in
    seed_attention) ;;  # torch_ref.py runs W1 and W2 together, below
    transformer_step)
      OPENBLAS_NUM_THREADS=$blas /usr/bin/python3 "$torch_ref" "$n" | tee -a "$file" >&2
      if [[ -x "$build/bench/torch_bench" ]]; then
        OPENBLAS_NUM_THREADS=$blas "$build/bench/torch_bench" --threads "$n" | tee -a "$out/libtorch_${n}_openblas${blas}.txt" >&2
      fi ;;
    decode) OPENBLAS_NUM_THREADS=$blas /usr/bin/python3 "$here/torch_extra.py" "$n" --only decode --iters "$decode_iters" | tee -a "$file" >&2 ;;
    attention_scaling|image_cnn_step|image_vit_step)
      OPENBLAS_NUM_THREADS=$blas /usr/bin/python3 "$here/torch_extra.py" "$n" --only "$w" | tee -a "$file" >&2 ;;
  esac
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) (CPU family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | xargs), model $(grep -m1 '^model[[:space:]]*:' /proc/cpuinfo | cut -d: -f2 | xargs)), $(nproc) cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $threads_list; do
  for r in $(seq 1 "$rounds"); do
    export OPENBLAS_NUM_THREADS=$n OMP_NUM_THREADS=$n
    # PyTorch's OpenBLAS threads: N, and at N > 1 also 1, in turn first (odd rounds N, even 1).
    configs="$n"
    if [[ "$torch_openblas" == best && "$n" -gt 1 ]]; then
      if (( r % 2 )); then configs="$n 1"; else configs="1 $n"; fi
    fi
    for w in $workloads; do
      # shellcheck disable=SC2086  # FOCUS_ARGS is a list of flags
      "$bench_bin" --threads "$n" --only "$w" ${FOCUS_ARGS:-} | tee -a "$out/focus_$n.txt" >&2
      for blas in $configs; do run_torch "$w" "$n" "$blas"; done
    done
    echo "round $r of $rounds at $n threads done; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  done
done

# Pair the lines of both sides by (workload, T) and round; torch_ref.py prints "NAME threads=N ms=X".
/usr/bin/python3 - "$out" $threads_list <<'PY'
import glob, re, statistics, sys
from collections import defaultdict
folder, threads = sys.argv[1], sys.argv[2:]
def parse(path):
    runs = defaultdict(list)
    for line in open(path):
        kv = dict(p.split("=", 1) for p in line.split() if "=" in p)
        name = kv.get("name") or line.split()[0]
        ms = kv.get("focus_ms") or kv.get("torch_ms") or kv.get("libtorch_ms") or kv.get("ms")
        if ms is None or kv.get("shape"):
            continue
        key = name + (f" T={kv['T']}" if "T" in kv else "")
        runs[key].append(float(ms))
    return runs
for n, peer in ((n, peer) for n in threads for peer in ("torch", "libtorch")):
    f = parse(f"{folder}/focus_{n}.txt")
    configs = {}  # OpenBLAS threads -> parsed lines of this peer
    for path in glob.glob(f"{folder}/{peer}_{n}_openblas*.txt"):
        configs[int(re.search(r"openblas(\d+)", path).group(1))] = parse(path)
    for key in f:
        have = {b: t[key] for b, t in configs.items() if key in t}
        if not have:
            continue
        ranked = sorted(have, key=lambda b: statistics.median(have[b]))
        def ratios(b): return [tm / fm for fm, tm in zip(f[key], have[b])]
        best, r = ranked[0], ratios(ranked[0])
        name, *rest = key.split()
        line = (f"name={name} {' '.join(rest) + ' ' if rest else ''}threads={n} focus_ms={statistics.median(f[key]):.3f} "
                f"torch_ms={statistics.median(have[best]):.3f} ratio={statistics.median(r):.2f} "
                f"spread={min(r):.2f}..{max(r):.2f} rounds={len(r)} peer={'pytorch' if peer == 'torch' else peer} torch_openblas={best}")
        for alt in ranked[1:]:
            line += (f" alt_openblas={alt} alt_torch_ms={statistics.median(have[alt]):.3f} "
                     f"alt_ratio={statistics.median(ratios(alt)):.2f}")
        print(line)
PY
echo "raw lines in $out; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
