# shellcheck shell=bash
# Shared by demo.sh and test.sh (sourced, not run): find the repo root, make sure the Debian
# packages focus builds with are installed (installing the missing ones when we are root), and
# configure + build the Release tree in build/.
# After sourcing: FOCUS_ROOT (repo root, also the cwd) and FOCUS_BUILD_DIR are set.

FOCUS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FOCUS_BUILD_DIR="${FOCUS_ROOT}/build"
cd "${FOCUS_ROOT}" || exit 1

# Compiler and build tools, BLAS for matmul (tensor/matmul.cpp), doctest for tests/, zlib to
# read gzipped IDX image files (data/idx.cpp), and Fashion-MNIST itself (four gzipped IDX files in
# /usr/share/datasets/fashion-mnist) for the image examples and the tests that check the real files.
FOCUS_DEB_PACKAGES=(cmake g++ make libopenblas-dev doctest-dev zlib1g-dev dataset-fashion-mnist)

focus_log() { printf '[focus] %s\n' "$*"; }

# Prints the packages of FOCUS_DEB_PACKAGES that are not installed, space-separated.
focus_missing_packages() {
  local pkg status missing=()
  for pkg in "${FOCUS_DEB_PACKAGES[@]}"; do
    # Unknown packages make dpkg-query fail; that counts as missing, not as a script error.
    status="$(dpkg-query -W -f='${Status}' "${pkg}" 2>/dev/null || true)"
    [[ "${status}" == "install ok installed" ]] || missing+=("${pkg}")
  done
  echo "${missing[*]}"
}

focus_ensure_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    focus_log "no dpkg-query (not a Debian-based system?): skipping the package check;" \
              "you need: ${FOCUS_DEB_PACKAGES[*]}"
    return 0
  fi
  local missing
  missing="$(focus_missing_packages)"
  if [[ -z "${missing}" ]]; then
    focus_log "packages present: ${FOCUS_DEB_PACKAGES[*]}"
    return 0
  fi
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "focus: missing Debian packages: ${missing}" >&2
    echo "focus: install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing}" >&2
    exit 1
  fi
  focus_log "installing missing packages: ${missing}"
  apt-get update
  # shellcheck disable=SC2086  # one word per package
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing}
  missing="$(focus_missing_packages)"
  if [[ -n "${missing}" ]]; then
    echo "focus: apt-get did not install: ${missing}" >&2
    exit 1
  fi
}

focus_build() {
  focus_log "configuring ${FOCUS_BUILD_DIR} (Release)"
  cmake -S "${FOCUS_ROOT}" -B "${FOCUS_BUILD_DIR}" -DCMAKE_BUILD_TYPE=Release
  focus_log "building with $(nproc) jobs"
  cmake --build "${FOCUS_BUILD_DIR}" -j"$(nproc)"
}

# Everything demo.sh and test.sh need before their own step.
focus_setup() {
  focus_ensure_packages
  focus_build
}
