#!/usr/bin/env bash
# CI stage "browser": the run report page (train/report.h) in headless Chromium. Installs what
# focus needs plus Debian's chromium and zlib1g-dev (for the screenshot checker) when root, or
# prints the apt-get line and exits 1; builds focus_make_report and focus_png_check in build/ (the
# tree scripts/test.sh builds; FOCUS_BROWSER_BUILD_DIR names another) and runs the tests labelled
# browser (tests/browser/report_browser.sh), which here fail rather than skip without a browser.
# Extra arguments go to ctest.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

FOCUS_DEB_PACKAGES+=(chromium zlib1g-dev)
FOCUS_BUILD_DIR="${FOCUS_BROWSER_BUILD_DIR:-${FOCUS_ROOT}/build}"

focus_ensure_packages
focus_log "configuring ${FOCUS_BUILD_DIR} (Release)"
cmake -S "${FOCUS_ROOT}" -B "${FOCUS_BUILD_DIR}" -DCMAKE_BUILD_TYPE=Release
focus_log "building focus_make_report and focus_png_check with $(nproc) jobs"
cmake --build "${FOCUS_BUILD_DIR}" -j"$(nproc)" --target focus_make_report focus_png_check
focus_log "running the browser tests (ctest -L browser)"
# --no-tests=error: without zlib nothing is registered, and that is a failure here.
FOCUS_REQUIRE_BROWSER=1 ctest --test-dir "${FOCUS_BUILD_DIR}" --output-on-failure -L browser --no-tests=error "$@"
