#!/usr/bin/env bash
# Set-up and main job: installs what is missing, builds seq in release mode and runs the
# main job on the bundled default (for now the kernel benchmark).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product seq
.build/release/seq bench kernels
