#!/usr/bin/env bash
# CI stage "sanitize": builds the library, tests and examples with AddressSanitizer and
# UndefinedBehaviorSanitizer (the "asan" preset in CMakePresets.json: g++, build-asan/) and runs the
# test suite under them with leak checking on. Any sanitizer report aborts the test that caused
# it, and a failed test fails the stage. Runs the default suite (everything but the label "long",
# which includes the corpus replays labelled "fuzz") and then the tests labelled "sanitize", long
# runs kept out of the default suite and run here on purpose.
# Extra arguments go to the first ctest run, e.g. scripts/ci_sanitize.sh -R autograd.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

FOCUS_BUILD_DIR="${FOCUS_ROOT}/build-asan"
focus_ensure_packages  # g++ brings libasan and libubsan

# halt_on_error / abort_on_error: the first report ends the test with a failure, never a warning.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

focus_log "configuring ${FOCUS_BUILD_DIR} (preset asan)"
cmake --preset asan
focus_log "building with $(nproc) jobs"
cmake --build --preset asan -j"$(nproc)"

focus_log "running the default suite under ASan + UBSan (ctest -LE 'long|mpi|browser|figure')"
ctest --test-dir "${FOCUS_BUILD_DIR}" --output-on-failure -j"$(nproc)" -LE 'long|mpi|browser|figure' --no-tests=error "$@"

# The sanitizer-only long runs; a tree without any is fine (--no-tests=ignore).
focus_log "running the tests labelled sanitize"
ctest --test-dir "${FOCUS_BUILD_DIR}" --output-on-failure -j"$(nproc)" -L sanitize --no-tests=ignore
focus_log "sanitize: clean"
