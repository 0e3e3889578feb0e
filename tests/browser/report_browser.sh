#!/usr/bin/env bash
# The run report in headless Chromium (CTest report_browser, label browser). Writes a report with
# focus_make_report, then:
#   1. loads index.html#selftest and dumps the DOM: the page's own script selects every attention
#      map through the <select> and checks the drawing (#selftest-result must say PASS); the DOM must
#      show the last map's tokens and not the first's, no error caught on the page, and Chromium's
#      log no console message at all (the page writes none, so any is an error or a warning);
#   2. loads index.html without the fragment and takes a screenshot, which focus_png_check decodes:
#      not blank, and the yellow of the attention map's largest weight is in it.
# Usage: report_browser.sh MAKE_REPORT PNG_CHECK WORK_DIR. Chromium is $CHROMIUM or the first of
# chromium, chromium-browser, google-chrome on PATH; without one the test is skipped (exit 77)
# unless FOCUS_REQUIRE_BROWSER=1 (scripts/ci_browser.sh), which makes it a failure.
set -euo pipefail

make_report="$1" png_check="$2" work="$3"

browser="${CHROMIUM:-}"
if [[ -z "${browser}" ]]; then
  for name in chromium chromium-browser google-chrome; do
    if command -v "${name}" >/dev/null 2>&1; then browser="$(command -v "${name}")"; break; fi
  done
fi
if [[ -z "${browser}" ]]; then
  echo "report_browser: no chromium on PATH (apt-get install chromium, or scripts/ci_browser.sh)"
  [[ "${FOCUS_REQUIRE_BROWSER:-0}" == 1 ]] && exit 1
  exit 77
fi

rm -rf "${work}"
mkdir -p "${work}"
"${make_report}" "${work}/report"
page="file://${work}/report/index.html"

failures=0
fail() { echo "report_browser: FAIL: $*"; failures=$((failures + 1)); }

# One headless run with a fresh profile: its stdout goes to $2, its stderr (Chromium's log) to $1.log.
run_browser() {
  local name="$1" out="$2"
  shift 2
  local flags=(--headless --disable-gpu --hide-scrollbars --no-first-run --no-default-browser-check
               --disable-background-networking --disable-component-update --disable-sync --disable-extensions
               --enable-logging=stderr --v=0 "--user-data-dir=${work}/profile-${name}")
  # Chromium's sandbox refuses to start as root.
  [[ "$(id -u)" -eq 0 ]] && flags+=(--no-sandbox)
  local start=${SECONDS} status=0
  timeout 120 "${browser}" "${flags[@]}" "$@" >"${out}" 2>"${work}/${name}.log" || status=$?
  echo "report_browser: chromium ${name}: exit ${status}, $((SECONDS - start)) s"
  [[ ${status} -eq 0 ]] || fail "chromium ${name} exited with ${status}; its log: ${work}/${name}.log"
  # Console messages are logged as 'INFO:CONSOLE:12] "text", source: ...' (older builds: CONSOLE(12)).
  if grep -E 'CONSOLE[(:]' "${work}/${name}.log"; then fail "console messages while loading the page (${name})"; fi
}

run_browser selftest "${work}/selftest.html" --dump-dom "${page}#selftest"
dom="$(cat "${work}/selftest.html")"
result="$(grep -o '<p id="selftest-result"[^<]*' "${work}/selftest.html" || true)"
echo "report_browser: ${result:-no #selftest-result in the DOM}"
[[ "${result}" == *'>PASS: '* ]] || fail "the page's self-test did not pass"
[[ "${dom}" == *'<p id="page-errors" hidden=""></p>'* ]] || fail "errors caught on the page: $(grep -o '<p id="page-errors".\{0,300\}' <<<"${dom}")"
# After the self-test the last map (other tokens, escaped) is drawn, and none of the first map's.
[[ "${dom}" == *'id="map-view" data-map="2"'* ]] || fail "the last map is not the one drawn"
[[ "${dom}" == *'>Zürich</text>'* && "${dom}" == *'>&lt;b&gt;</text>'* && "${dom}" == *'>東京</text>'* ]] ||
  fail "the last map's tokens are not drawn"
[[ "${dom}" != *'>喜欢</text>'* ]] || fail "the first map's tokens are still drawn"

# Tall enough to take in the whole page, attention map included.
run_browser screenshot /dev/null "--screenshot=${work}/report.png" --window-size=1280,2600 "${page}"
# fde725: the top of the viridis scale, the colour of each map's largest weight.
"${png_check}" "${work}/report.png" --expect fde725 || fail "the screenshot looks blank or has no attention map"

if [[ ${failures} -gt 0 ]]; then
  echo "report_browser: ${failures} failure(s); files in ${work}"
  exit 1
fi
echo "report_browser: PASS"
