#!/usr/bin/env bash
# Where a run's time goes, by op family: samples the whole command with Linux perf (on-CPU time of
# every thread, 499 samples a second) and sums the samples by the function they land in, each
# function put in one family by its name and library (the table below). Prints one line a family,
# `family=... share=...%` (shares of all samples, both threads' together), most first, and the
# total. Usage: bench/profile.sh COMMAND [ARGS...]
#   e.g. bench/profile.sh build/examples/translate/translate train --task zh-en --threads 2
# Needs perf (Debian: linux-perf) and kernel.perf_event_paranoid <= 2 (the default).
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: bench/profile.sh COMMAND [ARGS...]" >&2; exit 2; }
command -v perf > /dev/null || { echo "profile.sh: perf not found (apt-get install linux-perf)" >&2; exit 1; }
data="$(mktemp)"
trap 'rm -f "$data"' EXIT
perf record -q -F 499 -o "$data" -- "$@" > /dev/null
# symbol and library of each sample, grouped: the first family whose pattern matches wins.
perf report -i "$data" --stdio --no-children --sort dso,symbol --percent-limit 0 2> /dev/null |
  awk '
    /^#/ || NF < 3 { next }
    {
      share = $1; sub(/%/, "", share)
      dso = $2; sym = $0; sub(/^[^]]*\] /, "", sym)
      family = "other"
      # "[JIT]": the kernels oneDNN generates at run time (a build with -DFOCUS_WITH_DNNL=ON).
      if (dso ~ /openblas|dnnl|JIT/ || sym ~ /to_bf16/ || sym ~ /sgemm|dgemm|gemm_kernel|gemm_[a-z]copy|_oncopy|_otcopy|_incopy|_itcopy/) family = "BLAS (matrix products)"
      else if (sym ~ /flash_attention|forward_slices|backward_slices|MaskReader|rows::dots|add_weighted_rows/) family = "fused attention kernel"
      else if (sym ~ /softmax|log_softmax|exp_shifted|cross_entropy|nll|rows::max/) family = "softmax, log-softmax, cross-entropy"
      else if (sym ~ /layer_norm|rms_norm|batch_norm/) family = "norms"
      else if (sym ~ /[Aa]dam|optim::|SGD/) family = "optimizer"
      else if (sym ~ /gelu|erf|relu|map1|map2|map3|binary|unary|elementwise|walk_runs|strided_loop|Elementwise/) family = "elementwise"
      else if (sym ~ /reduce|sum_to|sum_rows|Reduce|accumulate/) family = "reductions"
      else if (sym ~ /dropout_mask|dropout_factors|philox|DropoutReader|uniform|PCG|next_u32|Generator/) family = "random numbers (dropout masks)"
      else if (sym ~ /contiguous|copy_|copy<|gather|scatter|index_select|embedding|narrow|cat|stack/) family = "copies, gathers, embeddings"
      else if (sym ~ /memcpy|memmove|memset/) family = "memcpy, memset"
      else if (sym ~ /malloc|free|operator new|operator delete|[Aa]llocator|_int_free|_int_malloc/) family = "allocation"
      else if (sym ~ /Engine|Node|record|backward|autograd|grad_fn|shared_ptr|Function/) family = "autograd bookkeeping"
      else if (dso ~ /kernel/ || sym ~ /^0x/ || sym ~ /\[k\]/) family = "kernel (system)"
      else if (sym ~ /futex|pthread|sched_yield|parallel|ThreadPool|for_ranges|condition_variable/) family = "threads (wait, wake)"
      total[family] += share
      all += share
    }
    END {
      for (f in total) printf "%.1f\t%s\n", total[f], f
      printf "%.1f\ttotal\n", all > "/dev/stderr"
    }' | sort -rn | awk -F'\t' '{ printf "family=\"%s\" share=%s%%\n", $2, $1 }'
