#!/usr/bin/env bash
# Issue 13's first two bars, side by side, on the small preset (4 layers × 256, MiniLM
# vocabulary, rows of 128 tokens, Gutenberg train.txt), 50 steps, same seed and data:
#   A  1 process  × 1 thread,  batch 32
#   B  mpirun -n 2 × 1 thread, batch 16 per rank (global batch 32)
#   B' B with the all-reduce overlapped with the backward pass (--overlap-reduce)
#   C  1 process  × 2 threads, batch 32
# Reports the largest weight difference A vs B (the same weights, within float32 rounding of
# sums taken in another order), tokens/s of B over C (bar: ≥ 0.9), and the all-reduce's
# share of B's steps, and B' beside B (same weights bit for bit; exposed all-reduce time).
#
#   bash bench/mpi/same_weights_and_speed.sh [STEPS] [BUCKET_MB]   (defaults 50, 4)
#
# Runs as root too (OMPI_ALLOW_RUN_AS_ROOT). Holds /tmp/seq-build.lock while measuring.
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS="${1:-50}"
BUCKET="${2:-4}"
source bench/mpi/common.sh
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
exec 9>/tmp/seq-build.lock
flock 9
echo "A: 1 × 1 thread, batch 32" >&2
single_run a 1
echo "B: mpirun -n 2 × 1 thread, batch 16 per rank" >&2
mpirun -n 2 --bind-to core "$SEQ" "${ARGS[@]}" --batch-size 16 --threads 1 --bucket-mb "$BUCKET" --out "$OUT/b" \
  2>"$OUT/b.err" | tail -n 1 > "$OUT/b.json"
echo "B': the same with the all-reduce overlapped with the backward pass (--overlap-reduce)" >&2
mpirun -n 2 --bind-to core "$SEQ" "${ARGS[@]}" --batch-size 16 --threads 1 --bucket-mb "$BUCKET" --overlap-reduce --out "$OUT/o" \
  2>"$OUT/o.err" | tail -n 1 > "$OUT/o.json"
echo "C: 1 × 2 threads, batch 32" >&2
single_run c 2
"$PY" - "$OUT" <<'PYEOF'
import json, sys
import numpy as np
from safetensors.numpy import load_file
out = sys.argv[1]
a, b, c, o = (json.load(open(f"{out}/{n}.json")) for n in "abco")
wa, wb, wo = (load_file(f"{out}/{n}/model.safetensors") for n in "abo")
diff = max(float(np.abs(wa[k] - wb[k]).max()) for k in wa)
same_overlapped = all(np.array_equal(wb[k], wo[k]) for k in wb)
scale = max(float(np.abs(wa[k]).max()) for k in wa)
step_seconds = b["timed_seconds"] / max(1, b["timed_steps"]) * b["steps"]
print(json.dumps({
    "steps": b["steps"], "max_abs_weight_diff_1x32_vs_2x16": diff, "largest_weight": scale,
    "tokens_per_s_1x1": a["tokens_per_s"], "tokens_per_s_2x1_mpi": b["tokens_per_s"], "tokens_per_s_1x2": c["tokens_per_s"],
    "ratio_2x1_over_1x2": b["tokens_per_s"] / c["tokens_per_s"],
    "allreduce_seconds": b.get("allreduce_seconds"), "allreduce_share_of_steps": b.get("allreduce_seconds", 0) / step_seconds,
    "final_loss": [a["final_train_loss"], b["final_train_loss"], c["final_train_loss"]],
    "tokens_per_s_2x1_mpi_overlapped": o["tokens_per_s"], "allreduce_seconds_overlapped": o.get("allreduce_seconds"),
    "overlapped_weights_identical": same_overlapped,
}, sort_keys=True))
PYEOF
