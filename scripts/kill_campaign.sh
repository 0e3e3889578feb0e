#!/usr/bin/env bash
# Crash safety of translate's checkpoints.
#   scripts/kill_campaign.sh [--kills N] TRANSLATE WORKDIR   SIGKILL the trainer at random moments
#       N times (default 20) while it saves every 2 steps; after each kill the checkpoint must load
#       (translate run --load) and the next run must resume from it at a step no earlier than the
#       last one seen. Ends with a SIGINT check.
#   scripts/kill_campaign.sh --sigint TRANSLATE WORKDIR      only the SIGINT check: Ctrl-C during
#       training saves a checkpoint and exits 130; the checkpoint loads and resumes.
# CTest runs the campaign under the label "long" (ctest -L long -R kill) and the SIGINT check in
# the default suite. Exit status 0 when every check passed.
set -euo pipefail

kills=20
sigint_only=0
while [[ $# -gt 0 && "$1" == --* ]]; do
  case "$1" in
    --kills) kills="$2"; shift 2 ;;
    --sigint) sigint_only=1; shift ;;
    *) echo "kill_campaign: unknown flag $1" >&2; exit 2 ;;
  esac
done
if [[ $# -ne 2 ]]; then
  echo "usage: kill_campaign.sh [--kills N | --sigint] TRANSLATE WORKDIR" >&2
  exit 2
fi
translate="$1"
work="$2"
rm -rf "${work}"
mkdir -p "${work}"
ck="${work}/run.safetensors"
# A small model: steps take milliseconds, so kills land in every phase (step, save, rename).
train=("${translate}" train --task copy --d-model 16 --heads 2 --ff 32 --layers 1 --threads 1 --batch 16
       --steps 1000000 --save-every 2 --save "${ck}")

fail() {
  echo "kill_campaign: FAILED: $*" >&2
  exit 1
}

# The step of the checkpoint, as the resumed run reports it ("resumed PATH at step S of T").
resumed_step() { sed -n 's/^resumed .* at step \([0-9]*\) of .*/\1/p' "$1" | head -n 1; }

# The checkpoint loads and translates (translate run: the same loading as eval, without
# decoding the whole test set).
check_loads() {
  "${translate}" run --load "${ck}" --threads 1 0123456789 >"${work}/run.out" 2>"${work}/run.err" ||
    fail "checkpoint does not load after $1: $(cat "${work}/run.err")"
  [[ $(wc -l <"${work}/run.out") -eq 1 ]] || fail "translate run printed no translation after $1"
}

# Waits until the trainer reports its task line, printed just before the training loop starts.
wait_for_training() {
  for _ in $(seq 1 600); do
    grep -q "^task " "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  fail "the trainer did not start: $(cat "$1")"
}

last_step=0
if [[ ${sigint_only} -eq 0 ]]; then
  survived=0
  leftovers=0
  for i in $(seq 1 "${kills}"); do
    args=("${train[@]}")
    [[ -f "${ck}" ]] && args+=(--resume "${ck}")
    "${args[@]}" >/dev/null 2>"${work}/train.err" &
    pid=$!
    # A random moment up to 1.5 s into training (it saves every 2 steps, so often mid-save).
    wait_for_training "${work}/train.err"
    sleep "$(awk -v r="${RANDOM}" 'BEGIN { printf "%.2f", 1.5 * r / 32768 }')"
    kill -KILL "${pid}" 2>/dev/null || fail "the trainer ended before kill ${i}: $(cat "${work}/train.err")"
    wait "${pid}" 2>/dev/null || true
    if [[ -f "${ck}" ]]; then
      step="$(resumed_step "${work}/train.err")"
      if [[ -n "${step}" ]]; then
        [[ "${step}" -ge "${last_step}" ]] || fail "run ${i} resumed at step ${step}, before step ${last_step}"
        last_step="${step}"
      fi
      check_loads "kill ${i}"
    fi
    n=$(find "${work}" -name 'run.safetensors.tmp.*' | wc -l)
    leftovers=$((leftovers + n))
    rm -f "${work}"/run.safetensors.tmp.*
    survived=$((survived + 1))
    echo "kill ${i}: checkpoint loads; resumed from step ${last_step}"
  done
  # One more resume proves the last checkpoint continues, then a SIGINT ends it.
  echo "kill_campaign: ${survived} of ${kills} kills survived; ${leftovers} temporary files left by kills (removed)"
fi

# ---- SIGINT: save and exit 130 ------------------------------------------------------------------------
args=("${train[@]}")
[[ -f "${ck}" ]] && args+=(--resume "${ck}")
before="${last_step}"
"${args[@]}" >/dev/null 2>"${work}/sigint.err" &
pid=$!
wait_for_training "${work}/sigint.err"
sleep 0.5
kill -INT "${pid}"
status=0
wait "${pid}" || status=$?
[[ ${status} -eq 130 ]] || fail "after SIGINT the trainer exited ${status}, expected 130: $(cat "${work}/sigint.err")"
grep -Eq "^interrupted at step [0-9]+ of [0-9]+( \(loss [0-9.]+\))?; saved ${ck}$" "${work}/sigint.err" ||
  fail "no 'interrupted at step' line: $(cat "${work}/sigint.err")"
check_loads "SIGINT"
saved=$(sed -n 's/^interrupted at step \([0-9]*\) of .*/\1/p' "${work}/sigint.err")
# Resume once more and stop two steps later: the run continues from the saved step.
"${translate}" train --task copy --d-model 16 --heads 2 --ff 32 --layers 1 --threads 1 --batch 16 \
  --steps 1000000 --save "${ck}" --resume "${ck}" --stop-at $((saved + 2)) >/dev/null 2>"${work}/resume.err" ||
  fail "resume after SIGINT failed: $(cat "${work}/resume.err")"
[[ "$(resumed_step "${work}/resume.err")" == "${saved}" ]] || fail "resume did not start at step ${saved}"
grep -q "^stopped at step $((saved + 2)) of" "${work}/resume.err" || fail "resume did not reach step $((saved + 2))"
echo "kill_campaign: SIGINT at step ${saved} (after step ${before}) saved a checkpoint that loads and resumes; exit 130"
