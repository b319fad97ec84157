#!/usr/bin/env bash
# Side-by-side sentence-embedding benchmark: `seq embed` against ../shared/ref/bert_infer.py
# (PyTorch + transformers, all-MiniLM-L6-v2), A B A B in one run.
#
#   bash bench/embed_vs_torch.sh [ROUNDS] [THREADS]      (defaults: 2 rounds, 2 threads)
#
# Throughput: the first 2,000 sentences of sst2/train.tsv at batch 32, whole processes
# (start-up and model loading included), timed by /usr/bin/time. Agreement: cosine of every
# embedding pair. Latency: `seq bench embed-latency` vs `bert_infer.py --latency`.
# Needs the MiniLM checkpoint: $SEQ_MINILM_DIR or ~/.cache/seq/minilm (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-2}"
THREADS="${2:-2}"
PY="$(bash ../shared/ref/setup.sh 2>/dev/null | tail -n 1)"
MODEL="${SEQ_MINILM_DIR:-$HOME/.cache/seq/minilm}"
[ -f "$MODEL/model.safetensors" ] || { echo "no MiniLM checkpoint at $MODEL" >&2; exit 1; }
swift build -c release --product seq >&2
SEQ=.build/release/seq
OUT="$(mktemp -d)"
sed -n "2,2001p" ../shared/data/sentiment/sst2/train.tsv | cut -f1 > "$OUT/sst2-2k.txt"
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r/$ROUNDS" >&2
  /usr/bin/time -f "%e %M" -o "$OUT/seq.time.$r" "$SEQ" embed --model "$MODEL" --threads "$THREADS" --batch-size 32 \
    < "$OUT/sst2-2k.txt" > "$OUT/seq.jsonl" 2>/dev/null
  /usr/bin/time -f "%e %M" -o "$OUT/torch.time.$r" "$PY" ../shared/ref/bert_infer.py --threads "$THREADS" --batch-size 32 \
    < "$OUT/sst2-2k.txt" > "$OUT/torch.jsonl" 2>/dev/null
  "$SEQ" bench embed-latency --model "$MODEL" --threads "$THREADS" | tail -n 1 > "$OUT/seq.lat.$r"
  "$PY" ../shared/ref/bert_infer.py --latency --threads "$THREADS" 2>/dev/null | tail -n 1 > "$OUT/torch.lat.$r"
done
"$PY" - "$OUT" "$ROUNDS" "$THREADS" <<'PYEOF'
import json, sys, numpy as np
out, rounds, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def times(name):
    return [tuple(map(float, open(f"{out}/{name}.time.{r}").read().split())) for r in range(1, rounds + 1)]
def lat(name):
    return [json.load(open(f"{out}/{name}.lat.{r}"))["latency_median_s"] for r in range(1, rounds + 1)]
st, tt = times("seq"), times("torch")
a = np.array([json.loads(l) for l in open(f"{out}/seq.jsonl")])
b = np.array([json.loads(l) for l in open(f"{out}/torch.jsonl")])
cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
best_s, best_t = min(x[0] for x in st), min(x[0] for x in tt)
ls, lt = min(lat("seq")), min(lat("torch"))
res = {"sentences": len(a), "threads": threads, "rounds": rounds,
       "seq_wall_s": [x[0] for x in st], "torch_wall_s": [x[0] for x in tt],
       "seq_sentences_per_s": len(a) / best_s, "torch_sentences_per_s": len(b) / best_t,
       "throughput_ratio": best_t / best_s,
       "seq_peak_rss_mib": max(x[1] for x in st) / 1024, "torch_peak_rss_mib": max(x[1] for x in tt) / 1024,
       "min_cosine": float(cos.min()), "max_abs_diff": float(np.abs(a - b).max()),
       "seq_latency_s": lat("seq"), "torch_latency_s": lat("torch"), "latency_ratio": lt / ls}
print(f"throughput: seq {res['seq_sentences_per_s']:.1f} sent/s, torch {res['torch_sentences_per_s']:.1f} sent/s, "
      f"ratio {res['throughput_ratio']:.2f}x; min cosine {res['min_cosine']:.12f}", file=sys.stderr)
print(f"latency (32 tokens, batch 1): seq {ls*1e3:.2f} ms, torch {lt*1e3:.2f} ms, ratio {res['latency_ratio']:.2f}x", file=sys.stderr)
print(json.dumps(res))
PYEOF
rm -rf "$OUT"
