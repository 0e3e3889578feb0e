#!/usr/bin/env bash
# CI stage "fuzz": builds the libFuzzer targets (the "fuzz" preset in CMakePresets.json: clang++-14,
# ASan + UBSan, build-fuzz/) and fuzzes each one for a bounded time, starting from a copy of its
# committed seed corpus (tests/corpus/<target>/ is never written). A crash, a timeout, a leak, an
# out-of-memory or a sanitizer report fails the stage; the input that caused it is copied to
# build-fuzz/fuzz-run/findings/ and the log names it. Prints executions per target.
#   FOCUS_FUZZ_SECONDS  time per target (default 45: four targets fuzz in the 180 s three took at 60)
#   FOCUS_FUZZ_FLAGS    more libFuzzer flags, after the script's own (the last of a flag wins)
#   scripts/ci_fuzz.sh [TARGET...]   fuzz only these (safetensors, data, vocab, idx)
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

FOCUS_BUILD_DIR="${FOCUS_ROOT}/build-fuzz"
FOCUS_DEB_PACKAGES+=(clang-14 libclang-rt-14-dev)  # the compiler and its libFuzzer / sanitizer runtimes
focus_ensure_packages

seconds="${FOCUS_FUZZ_SECONDS:-45}"
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(safetensors data vocab idx)

focus_log "configuring ${FOCUS_BUILD_DIR} (preset fuzz)"
cmake --preset fuzz
focus_log "building the fuzz targets with $(nproc) jobs"
cmake --build --preset fuzz -j"$(nproc)"

run_dir="${FOCUS_BUILD_DIR}/fuzz-run"
findings="${run_dir}/findings"
rm -rf "${run_dir}"
mkdir -p "${findings}"
export ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

summary=()
failed=()
for target in "${targets[@]}"; do
  binary="${FOCUS_BUILD_DIR}/tests/fuzz/fuzz_${target}"
  seeds="${FOCUS_ROOT}/tests/corpus/${target}"
  if [[ ! -x "${binary}" || ! -d "${seeds}" ]]; then
    echo "focus: no fuzz target '${target}' (want ${binary} and ${seeds})" >&2
    exit 1
  fi
  corpus="${run_dir}/${target}/corpus"
  artifacts="${run_dir}/${target}/artifacts"
  log="${run_dir}/${target}/fuzz.log"
  mkdir -p "${corpus}" "${artifacts}"
  cp "${seeds}"/* "${corpus}/"
  dict=()
  [[ -f "${FOCUS_ROOT}/tests/fuzz/${target}.dict" ]] && dict=(-dict="${FOCUS_ROOT}/tests/fuzz/${target}.dict")

  focus_log "fuzzing ${target} for ${seconds} s (log: ${log})"
  status=0
  # shellcheck disable=SC2086  # FOCUS_FUZZ_FLAGS is one word per flag
  "${binary}" "${corpus}" "${dict[@]}" -max_total_time="${seconds}" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="${artifacts}/" ${FOCUS_FUZZ_FLAGS:-} >"${log}" 2>&1 || status=$?

  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "${log}" | tail -1)"
  speed="$(sed -n 's/^stat::average_exec_per_sec: *//p' "${log}" | tail -1)"
  units="$(find "${corpus}" -type f | wc -l)"
  result="ok"
  if [[ ${status} -ne 0 ]] || compgen -G "${artifacts}/*" >/dev/null; then
    result="FAILED (exit ${status})"
    failed+=("${target}")
    grep -E "^==[0-9]+==ERROR|runtime error|^fuzz: |deadly signal|Test unit written|ALARM|out-of-memory" "${log}" | head -20 || true
    for artifact in "${artifacts}"/*; do
      [[ -e "${artifact}" ]] || continue
      cp "${artifact}" "${findings}/${target}_$(basename "${artifact}")"
      echo "focus: ${target}: the failing input is ${findings}/${target}_$(basename "${artifact}");" \
           "replay it with ${binary} ${findings}/${target}_$(basename "${artifact}")"
    done
    tail -40 "${log}"
  fi
  summary+=("$(printf '%-12s %12s execs %8s exec/s %6s corpus files  %s' "${target}" "${execs:-?}" "${speed:-?}" "${units}" "${result}")")
done

focus_log "fuzzing summary (${seconds} s per target):"
printf '  %s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "focus: fuzzing found problems in: ${failed[*]} (inputs in ${findings}/)" >&2
  exit 1
fi
