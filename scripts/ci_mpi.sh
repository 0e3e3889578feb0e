#!/usr/bin/env bash
# The MPI stage of CI: data-parallel training over Open MPI on this one machine. Installs what
# focus needs plus Open MPI (libopenmpi-dev, openmpi-bin; as root, like common.sh), configures
# build-mpi with FOCUS_WITH_MPI=ON, builds the MPI test program, translate and char_lm, and runs the
# tests labelled mpi, each started with mpirun -np 2 (ctest --test-dir build-mpi -L mpi).
# Extra arguments go to ctest.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

FOCUS_DEB_PACKAGES+=(libopenmpi-dev openmpi-bin)
FOCUS_MPI_BUILD_DIR="${FOCUS_ROOT}/build-mpi"

focus_ensure_packages
focus_log "configuring ${FOCUS_MPI_BUILD_DIR} (Release, FOCUS_WITH_MPI=ON)"
cmake -S "${FOCUS_ROOT}" -B "${FOCUS_MPI_BUILD_DIR}" -DCMAKE_BUILD_TYPE=Release -DFOCUS_WITH_MPI=ON
focus_log "building focus_mpi_tests, translate and char_lm with $(nproc) jobs"
cmake --build "${FOCUS_MPI_BUILD_DIR}" -j"$(nproc)" --target focus_mpi_tests translate char_lm
focus_log "running the MPI tests (ctest -L mpi, mpirun -np 2)"
# --no-tests=error: when MPI was not found nothing is registered, and that is a failure here.
ctest --test-dir "${FOCUS_MPI_BUILD_DIR}" --output-on-failure -L mpi --no-tests=error "$@"
