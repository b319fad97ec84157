#!/usr/bin/env bash
# Set-up and the whole test suite: installs what is missing, then `swift test`.
# Tests that need ../shared/data or the MiniLM checkpoint skip with a message when absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# The test process loads OpenBLAS itself and cannot re-execute as `seq` does: give it the
# kernel family this CPU allows unless the caller chose one (scripts/blas-coretype.sh).
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  core="$(bash scripts/blas-coretype.sh)"
  if [ -n "$core" ]; then export OPENBLAS_CORETYPE="$core"; fi
fi
swift build --build-tests
swift test
