#!/usr/bin/env bash
# Set-up and the whole test suite: installs what is missing, then `swift test`.
# Tests that need ../shared/data or the MiniLM checkpoint skip with a message when absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --build-tests
swift test
