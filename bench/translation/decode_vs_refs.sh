#!/usr/bin/env bash
# Issue 11's decoding row, side by side in one run: `seq bench decode`, PyTorch
# (../shared/ref/seq2seq_ref.py decode) and CTranslate2 (../shared/ref/ct2_decode.py, float32
# and int8). Same shape (d_model 256, 3+3 layers, 4 heads, FFN 1024, shared 8000-entry
# byte-level BPE), seeded random weights, the first 500 Multi30k val.en sentences, EOS
# ignored and every output forced to int(1.5·n_src)+10 tokens; greedy and beam 5 at batch 1
# and 64. Prints one table of sentences/s and the ratios. Holds /tmp/seq-build.lock.
#
#   bash bench/translation/decode_vs_refs.sh [THREADS]     (default 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS="${1:-2}"
PY="${PY:-$HOME/.cache/seq-ref/venv/bin/python}"
SEQ="${SEQ:-.build/release/seq}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
exec 9>/tmp/seq-build.lock
flock 9
"$SEQ" bench decode --threads "$THREADS" 2>"$OUT/seq.err" | tail -n 1 > "$OUT/seq.json"
"$PY" ../shared/ref/seq2seq_ref.py decode --threads "$THREADS" 2>"$OUT/torch.err" | tail -n 1 > "$OUT/torch.json"
"$PY" ../shared/ref/ct2_decode.py --threads "$THREADS" 2>"$OUT/ct2.err" | tail -n 1 > "$OUT/ct2.json"
"$PY" - "$OUT" <<'PYEOF'
import json, sys
d = sys.argv[1]
s, t, c = (json.load(open(f"{d}/{n}.json")) for n in ("seq", "torch", "ct2"))
print("| config | seq | PyTorch | CT2 float32 | CT2 int8 | seq/PyTorch | seq/CT2 f32 | seq CPU/wall |")
print("|---|---|---|---|---|---|---|---|")
for k in ("greedy:1", "greedy:64", "beam5:1", "beam5:64"):
    a, b = s["configs"][k], t["configs"][k]
    f, i = c["configs"]["float32"][k], c["configs"]["int8"][k]
    assert a["generated_tokens"] == b["generated_tokens"], (k, a["generated_tokens"], b["generated_tokens"])
    print(f"| {k} | {a['sentences_per_s']:.2f} | {b['sentences_per_s']:.2f} | {f['sentences_per_s']:.2f} | {i['sentences_per_s']:.2f} | "
          f"{a['sentences_per_s'] / b['sentences_per_s']:.2f}x | {a['sentences_per_s'] / f['sentences_per_s']:.2f}x | {a['cpu_seconds_per_wall_second']} |")
PYEOF
