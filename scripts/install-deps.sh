#!/usr/bin/env bash
# Installs the system libraries seq builds against, if missing (Debian/Ubuntu):
# libicu-dev (the tokenizer's normalization and segmentation), libopenblas-dev (matrix
# products), pkg-config (how SwiftPM finds OpenBLAS), and libopenmpi-dev + openmpi-bin
# (data-parallel training under mpirun; loaded only at run time under mpirun, so seq also
# builds and runs without them, and the MPI test skips). Idempotent and quiet when all is
# present. Swift itself is expected on PATH.
set -euo pipefail
NEED=()
for pkg in libicu-dev libopenblas-dev pkg-config libopenmpi-dev openmpi-bin; do
  dpkg -s "$pkg" >/dev/null 2>&1 || NEED+=("$pkg")
done
if [ "${#NEED[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "installing: ${NEED[*]}" >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${NEED[@]}" >&2
fi
command -v swift >/dev/null || { echo "swift is not on PATH: install Swift 6.x first (swift.org)" >&2; exit 1; }
