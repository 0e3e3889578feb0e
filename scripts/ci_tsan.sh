#!/usr/bin/env bash
# CI stage "tsan": builds the library and the unit tests with ThreadSanitizer (the "tsan" preset in
# CMakePresets.json: g++, build-tsan/) and runs the tests that exercise threads: the concurrency
# tests (threads:, random:), and everything the threads reach (autograd, gradcheck, anomaly, the
# attention kernel and the attention ops, matmul, the allocator, GPT, determinism). Any report fails
# the test that caused it (halt_on_error, exitcode 66). OpenBLAS is not instrumented;
# tests/tsan.supp names what is suppressed in it and why.
# Extra arguments go to ctest, e.g. scripts/ci_tsan.sh -R threads.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

FOCUS_BUILD_DIR="${FOCUS_ROOT}/build-tsan"
focus_ensure_packages  # g++ brings libtsan

export TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1:suppressions=${FOCUS_ROOT}/tests/tsan.supp"

focus_log "configuring ${FOCUS_BUILD_DIR} (preset tsan)"
cmake --preset tsan
focus_log "building with $(nproc) jobs"
cmake --build --preset tsan -j"$(nproc)"

pattern='^(threads|random|autograd|gradcheck|gradgradcheck|anomaly|attention kernel|nn functional|nn|matmul|allocator|gpt|determinism):'
focus_log "running the thread-related tests under ThreadSanitizer (ctest -R '${pattern}')"
ctest --test-dir "${FOCUS_BUILD_DIR}" --output-on-failure -j"$(nproc)" -R "${pattern}" -LE 'long|mpi' --no-tests=error "$@"
focus_log "tsan: clean"
