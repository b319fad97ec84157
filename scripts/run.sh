#!/usr/bin/env bash
# Set-up and main job: installs what is missing, builds seq in release mode and runs the
# main job on the bundled default: masked-LM pretraining of the tiny preset on
# corpora/default.txt (under 2 minutes on 2 cores; the model lands in runs/pretrain-default-tiny,
# and the command ends by printing what to run next).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product seq
# `seq pretrain` refuses to start afresh over an existing run (it would need --resume):
# a rerun of the main job replaces the previous default run.
if ls runs/pretrain-default-tiny/checkpoint-* >/dev/null 2>&1; then
  rm -rf runs/pretrain-default-tiny
fi
.build/release/seq pretrain
