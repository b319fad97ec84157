#!/usr/bin/env bash
# Fine-tuning and inference speed, seq vs PyTorch, side by side on one machine.
#
#   bash bench/finetune/speed_vs_torch.sh [STEPS] [THREADS]     (defaults: 200 steps, 2 threads)
#
# Training: `seq finetune` and ../shared/ref/finetune_ref.py with the same shapes and recipe
# (all-MiniLM-L6-v2 + fresh 2-label head, SST-2 train, batch 32, max length 64, dynamic
# padding, AdamW lr 2e-5 constant, no warmup, no clipping, dropout 0.1). Both count non-pad
# tokens ([CLS]/[SEP] included) per second of forward + backward + optimizer, the first 3
# steps excluded; both take plain shuffled batches here (BUCKETS=50 gives seq its own length-bucketed recipe).
# Inference: SST-2 dev (872 sentences) classified by the fine-tuned seq model with
# `seq evaluate` and by transformers loading the same directory (batch 64, no_grad), in
# sentences per second. Needs a release build (swift build -c release) and MiniLM cached.
# KEEP=1 keeps the work directory (models, logs) instead of removing it at exit.
set -euo pipefail
STEPS=${1:-200}
THREADS=${2:-2}
SEQ=${SEQ:-.build/release/seq}
PY=${PY:-$HOME/.cache/seq-ref/venv/bin/python}
MINILM=${SEQ_MINILM_DIR:-$HOME/.cache/seq/minilm}
DATA=../shared/data/sentiment/sst2
OUT=$(mktemp -d /tmp/seq-ft-speed.XXXXXX)
# The fine-tuned model is ~90 MB a run: removed at exit unless KEEP=1.
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$OUT"' EXIT
echo "machine: $(nproc) cores, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; $STEPS steps, $THREADS threads; work in $OUT${KEEP:+ (kept)}" >&2

"$SEQ" finetune --task sentiment --init "$MINILM" --train $DATA/train.tsv --dev $DATA/dev.tsv --out "$OUT/seq" \
  --batch-size 32 --max-length 64 --lr 2e-5 --schedule constant --warmup 0 --clip 0 --max-steps "$STEPS" \
  --eval-every 0 --patience 0 --checkpoint-every 0 --bucket-batches ${BUCKETS:-1} --threads "$THREADS" 2>"$OUT/seq.err" | tail -n 1 > "$OUT/seq.json"
"$PY" ../shared/ref/finetune_ref.py --steps "$STEPS" --threads "$THREADS" --batch 32 --max-length 64 --lr 2e-5 \
  2>"$OUT/torch.err" | tail -n 1 > "$OUT/torch.json"

"$SEQ" evaluate --task sentiment --model "$OUT/seq" --data $DATA/dev.tsv --max-length 64 --threads "$THREADS" | tail -n 1 > "$OUT/seq.eval.json"
"$PY" - "$OUT/seq" $DATA/dev.tsv "$THREADS" > "$OUT/torch.eval.json" <<'PYEOF'
import json, sys, time, torch
from transformers import BertForSequenceClassification, BertTokenizerFast
model_dir, dev, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
torch.set_num_threads(threads)
rows = [l.rstrip("\n").split("\t") for l in open(dev, encoding="utf-8")][1:]
tok = BertTokenizerFast.from_pretrained(model_dir)
model = BertForSequenceClassification.from_pretrained(model_dir).eval()
start = time.time(); correct = 0
with torch.no_grad():
    for s in range(0, len(rows), 64):
        chunk = rows[s:s + 64]
        enc = tok([r[0] for r in chunk], truncation=True, max_length=64, padding="longest", return_tensors="pt")
        pred = model(**enc).logits.argmax(-1).tolist()
        correct += sum(int(model.config.id2label[p] == r[1].strip()) for p, r in zip(pred, chunk))
sec = time.time() - start
print(json.dumps({"accuracy": correct / len(rows), "examples": len(rows), "seconds": round(sec, 3), "examples_per_s": round(len(rows) / sec, 1)}))
PYEOF

"$PY" - "$OUT" <<'PYEOF'
import json, sys
d = sys.argv[1]
s, t = json.load(open(f"{d}/seq.json")), json.load(open(f"{d}/torch.json"))
se, te = json.load(open(f"{d}/seq.eval.json")), json.load(open(f"{d}/torch.eval.json"))
train = s["tokens_per_s"] / t["tokens_per_s"]
infer = se["examples_per_s"] / te["examples_per_s"]
print(f"fine-tuning tokens/s: seq {s['tokens_per_s']:.0f}  torch {t['tokens_per_s']:.0f}  ratio {train:.2f} (bar >= 1.5)", file=sys.stderr)
print(f"evaluation sentences/s: seq {se['examples_per_s']:.0f}  torch {te['examples_per_s']:.0f}  ratio {infer:.2f} (bar >= 2); same model's dev accuracy seq {se['accuracy']:.4f} torch {te['accuracy']:.4f}", file=sys.stderr)
print(json.dumps({"seq_tokens_per_s": s["tokens_per_s"], "torch_tokens_per_s": t["tokens_per_s"], "train_ratio": round(train, 3),
                  "seq_eval_sentences_per_s": se["examples_per_s"], "torch_eval_sentences_per_s": te["examples_per_s"],
                  "eval_ratio": round(infer, 3), "seq_dev_accuracy": se["accuracy"], "torch_dev_accuracy_same_model": te["accuracy"]}))
PYEOF
