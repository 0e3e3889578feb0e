#!/usr/bin/env bash
# Sends a signal to a running program once it has reached a given point, for the tests of
# stopping training from outside (examples/*/check_signal.cmake):
#   scripts/signal_when.sh SIGNAL WHEN TARGET OUT ERR COMMAND [ARGS...]
# starts COMMAND with stdout in OUT and stderr in ERR, waits until WHEN holds, sends SIGNAL
# (TERM, INT, ...) to TARGET, waits for COMMAND to end and prints "status=N", its exit status.
#   WHEN    file:PATH   PATH exists (a checkpoint written after a step)
#           line:REGEX  a line of OUT or ERR matches the extended REGEX (a progress line)
#   TARGET  self        COMMAND itself (with mpirun: the launcher)
#           rank1       the child of COMMAND whose environment makes it rank 1 (OMPI_COMM_WORLD_RANK
#                       or PMI_RANK): with mpirun, the one rank that is not rank 0
# A command started in the background by a script ignores SIGINT unless it installs a handler of
# its own, as the trainers do (cli::StopSignals). Bounded waits, never a fixed sleep: WHEN must hold within 120 s and COMMAND must end within
# 60 s of the signal; otherwise COMMAND (and its children) get SIGKILL, and the script says why
# on stderr and exits 1. Exit 2 for bad usage.
set -uo pipefail

if [[ $# -lt 6 ]]; then
  echo "usage: signal_when.sh SIGNAL file:PATH|line:REGEX self|rank1 OUT ERR COMMAND [ARGS...]" >&2
  exit 2
fi
signal="$1" when="$2" target="$3" out="$4" err="$5"
shift 5
case "${when}" in file:?* | line:?*) ;; *) echo "signal_when: WHEN must be file:PATH or line:REGEX; got '${when}'" >&2; exit 2 ;; esac
case "${target}" in self | rank1) ;; *) echo "signal_when: TARGET must be self or rank1; got '${target}'" >&2; exit 2 ;; esac

"$@" >"${out}" 2>"${err}" &
pid=$!

# The pids of the direct children of $1, from /proc (no procps needed): field 4 of
# /proc/<pid>/stat, counted after the ")" that ends the command name.
children_of() {
  local dir stat fields
  for dir in /proc/[0-9]*; do
    read -r stat <"${dir}/stat" 2>/dev/null || continue
    read -ra fields <<<"${stat##*) }"
    [[ "${fields[1]}" == "$1" ]] && echo "${dir#/proc/}"
  done
}

# SIGKILL for COMMAND and its direct children (mpirun's ranks), so a failed check leaves nothing running.
kill_all() {
  local kids
  kids="$(children_of "${pid}")"
  kill -KILL "${pid}" ${kids} 2>/dev/null || true
  wait "${pid}" 2>/dev/null || true
}
give_up() {
  echo "signal_when: $*" >&2
  echo "--- stdout ---" >&2
  tail -n 20 "${out}" >&2
  echo "--- stderr ---" >&2
  tail -n 20 "${err}" >&2
  kill_all
  exit 1
}

reached() {
  case "${when}" in
    file:*) [[ -e "${when#file:}" ]] ;;
    line:*) grep -Eq -- "${when#line:}" "${out}" "${err}" 2>/dev/null ;;
  esac
}

for ((i = 0; i < 2400; ++i)); do  # 2400 x 0.05 s = 120 s
  reached && break
  kill -0 "${pid}" 2>/dev/null || break
  sleep 0.05
done
if ! reached; then
  kill -0 "${pid}" 2>/dev/null && give_up "'${when}' did not happen within 120 s"
  wait "${pid}"
  give_up "the command ended (status $?) before '${when}'"
fi

victim="${pid}"
if [[ "${target}" == rank1 ]]; then
  victim=""
  for kid in $(children_of "${pid}"); do
    if tr '\0' '\n' <"/proc/${kid}/environ" 2>/dev/null | grep -Eqx '(OMPI_COMM_WORLD_RANK|PMI_RANK)=1'; then
      victim="${kid}"
    fi
  done
  [[ -n "${victim}" ]] || give_up "the command has no child process that is rank 1"
fi
kill -s "${signal}" "${victim}" || give_up "could not send SIG${signal} to ${victim}"

for ((i = 0; i < 1200; ++i)); do  # 60 s
  kill -0 "${pid}" 2>/dev/null || break
  sleep 0.05
done
kill -0 "${pid}" 2>/dev/null && give_up "the command still runs 60 s after SIG${signal}"
status=0
wait "${pid}" || status=$?
echo "status=${status}"
