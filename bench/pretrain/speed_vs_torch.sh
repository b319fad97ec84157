#!/usr/bin/env bash
# Side-by-side masked-LM pretraining throughput: `seq pretrain --preset small` against
# ../shared/ref/bert_mlm_train.py --preset small (transformers' BertForMaskedLM, MLM head on
# all positions) and --head masked (head on the masked positions only, as seq does), A B C
# A B C in one run. Same shapes (4 layers × 256, vocab 30522 = the MiniLM vocab.txt, batch 32
# × 128, dropout 0.1, AdamW, warmup/decay schedule, clip 1.0), same data recipe (Gutenberg
# train.txt, paragraphs joined by [SEP], rows of [CLS] + 126 + [SEP]) and timed region
# (masking, forward, loss, backward, clip, AdamW, schedule; the first 3 steps excluded).
#
#   bash bench/pretrain/speed_vs_torch.sh [STEPS] [ROUNDS] [THREADS]   (defaults 40, 2, 2)
#
# SEQ_BEFORE=/path/to/an/older/seq adds that binary as a fourth contender in every round
# (same arguments), for before/after comparisons of a change, side by side.
#
# Takes /tmp/seq-swift-build.lock for the whole measurement so that no build runs meanwhile.
# OPENBLAS_CORETYPE: as in the environment (Haswell on this machine) unless SEQ_AVX512=1,
# which unsets it (and OPENBLAS_L2_SIZE) for seq only; the JSON says which.
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS="${1:-40}"
ROUNDS="${2:-2}"
THREADS="${3:-2}"
PY="${PY:-/root/.cache/seq-ref/venv/bin/python}"
[ -x "$PY" ] || PY="$(bash ../shared/ref/setup.sh 2>/dev/null | tail -n 1)"
VOCAB="${SEQ_MINILM_DIR:-$HOME/.cache/seq/minilm}/vocab.txt"
CORPUS=../shared/data/lm/gutenberg/train.txt
[ -f "$VOCAB" ] || { echo "no MiniLM vocab.txt at $VOCAB" >&2; exit 1; }
[ -f "$CORPUS" ] || { echo "no corpus at $CORPUS" >&2; exit 1; }
flock /tmp/seq-swift-build.lock swift build -c release --product seq >&2
SEQ=.build/release/seq
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
SEQ_ENV=()
if [ "${SEQ_AVX512:-0}" = 1 ]; then SEQ_ENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE); fi
exec 9>/tmp/seq-swift-build.lock
flock 9
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r/$ROUNDS: seq" >&2
  rm -rf "$OUT/run"
  "${SEQ_ENV[@]}" "$SEQ" pretrain "$CORPUS" --tokenizer "$VOCAB" --preset small --batch-size 32 --max-length 128 \
    --lr 1e-4 --warmup 100 --total-steps 10000 --max-steps "$STEPS" --eval-every 0 --eval-rows 0 \
    --checkpoint-every 0 --log-every 10 --threads "$THREADS" --out "$OUT/run" 2>"$OUT/seq.err.$r" | tail -n 1 > "$OUT/seq.$r"
  if [ -n "${SEQ_BEFORE:-}" ]; then
    echo "round $r/$ROUNDS: seq before ($SEQ_BEFORE)" >&2
    rm -rf "$OUT/run"
    "${SEQ_ENV[@]}" "$SEQ_BEFORE" pretrain "$CORPUS" --tokenizer "$VOCAB" --preset small --batch-size 32 --max-length 128 \
      --lr 1e-4 --warmup 100 --total-steps 10000 --max-steps "$STEPS" --eval-every 0 --eval-rows 0 \
      --checkpoint-every 0 --log-every 10 --threads "$THREADS" --out "$OUT/run" 2>"$OUT/before.err.$r" | tail -n 1 > "$OUT/before.$r"
  fi
  echo "round $r/$ROUNDS: torch --head all" >&2
  "$PY" ../shared/ref/bert_mlm_train.py --preset small --steps "$STEPS" --threads "$THREADS" 2>"$OUT/all.err.$r" | tail -n 1 > "$OUT/all.$r"
  echo "round $r/$ROUNDS: torch --head masked" >&2
  "$PY" ../shared/ref/bert_mlm_train.py --preset small --head masked --steps "$STEPS" --threads "$THREADS" 2>"$OUT/masked.err.$r" | tail -n 1 > "$OUT/masked.$r"
done
"$PY" - "$OUT" "$ROUNDS" "$STEPS" "${SEQ_AVX512:-0}" <<'PYEOF'
import json, os, sys
out, rounds, steps, avx = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
load = lambda name: [json.load(open(f"{out}/{name}.{r}")) for r in range(1, rounds + 1)]
s, a, m = load("seq"), load("all"), load("masked")
best = lambda runs: max(x["tokens_per_s"] for x in runs)
ref = max(best(a), best(m))
res = {"steps": steps, "rounds": rounds, "threads": s[0]["threads"],
       "seq_tokens_per_s": [x["tokens_per_s"] for x in s],
       "torch_all_tokens_per_s": [x["tokens_per_s"] for x in a],
       "torch_masked_tokens_per_s": [x["tokens_per_s"] for x in m],
       "torch_cpu_per_wall": [x["cpu_seconds_per_wall_second"] for x in a + m],
       "seq_cpu_per_wall": [x.get("cpu_seconds_per_wall_second") for x in s],
       "ratio_vs_faster_torch": best(s) / ref,
       "ratio_per_round": [x["tokens_per_s"] / max(y["tokens_per_s"], z["tokens_per_s"]) for x, y, z in zip(s, a, m)],
       "seq_peak_rss_mib": [x["peak_rss_mib"] for x in s],
       "torch_all_peak_rss_mib": [x["peak_rss_mib"] for x in a],
       "torch_masked_peak_rss_mib": [x["peak_rss_mib"] for x in m],
       "torch_rss_after_imports_mib": a[0]["rss_after_imports_mib"],
       "seq_final_loss": [x["final_train_loss"] for x in s],
       "torch_final_loss": [x["final_loss"] for x in a + m],
       "seq_openblas": "AVX-512 (OPENBLAS_CORETYPE unset)" if avx else
           f"environment (OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE') or 'unset: auto-detected'})"}
if os.path.exists(f"{out}/before.1"):
    b = load("before")
    res["seq_before_tokens_per_s"] = [x["tokens_per_s"] for x in b]
    res["after_over_before"] = best(s) / best(b)
    res["after_over_before_per_round"] = [x["tokens_per_s"] / y["tokens_per_s"] for x, y in zip(s, b)]
    print(f"seq after / before = {res['after_over_before']:.3f} (per round "
          f"{[round(x, 3) for x in res['after_over_before_per_round']]})", file=sys.stderr)
print(f"tokens/s: seq {res['seq_tokens_per_s']}, torch all {res['torch_all_tokens_per_s']}, torch masked "
      f"{res['torch_masked_tokens_per_s']}; seq / faster torch = {res['ratio_vs_faster_torch']:.2f}x "
      f"(per round {[round(x, 2) for x in res['ratio_per_round']]})", file=sys.stderr)
print(f"peak RSS MiB: seq {res['seq_peak_rss_mib']}, torch all {res['torch_all_peak_rss_mib']}, "
      f"torch masked {res['torch_masked_peak_rss_mib']}", file=sys.stderr)
print(json.dumps(res))
PYEOF
