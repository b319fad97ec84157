#!/usr/bin/env bash
# Side-by-side kernel benchmark: `seq bench kernels` against ../shared/ref/torch_kernels.py
# (same ops, shapes and JSON contract), interleaved A B A B in one run so that machine
# noise hits both alike. Per op, each engine's best median over the rounds is kept.
#
#   bash bench/kernels_vs_torch.sh [ROUNDS] [THREADS]      (defaults: 3 rounds, 2 threads)
#
# Also runs seq a third way per round with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset (the
# AVX-512 SkylakeX sgemm kernels a user's machine would pick), reported separately.
# Last stdout line: one JSON object with both engines' figures and the ratios
# (ratio = torch time / seq time, > 1 means seq is faster).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-3}"
THREADS="${2:-2}"
PY="$(bash ../shared/ref/setup.sh 2>/dev/null | tail -n 1)"
swift build -c release --product seq >&2
SEQ=.build/release/seq
OUT="$(mktemp -d)"
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r/$ROUNDS: seq" >&2
  "$SEQ" bench kernels --threads "$THREADS" 2>/dev/null | tail -n 1 > "$OUT/seq.$r.json"
  echo "round $r/$ROUNDS: torch" >&2
  "$PY" ../shared/ref/torch_kernels.py --threads "$THREADS" 2>/dev/null | tail -n 1 > "$OUT/torch.$r.json"
  echo "round $r/$ROUNDS: seq (OPENBLAS_CORETYPE unset)" >&2
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$SEQ" bench kernels --threads "$THREADS" --only sgemm 2>/dev/null \
    | tail -n 1 > "$OUT/seq512.$r.json"
done
"$PY" - "$OUT" "$ROUNDS" "$THREADS" <<'PYEOF'
import json, sys, glob
out, rounds, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def best(prefix):
    b, meta = {}, {}
    for f in sorted(glob.glob(f"{out}/{prefix}.*.json")):
        d = json.load(open(f))
        meta = d
        for r in d["results"]:
            k = (r["name"], tuple(r["shape"]))
            if k not in b or r["median_s"] < b[k]["median_s"]:
                b[k] = r
    return b, meta
seq, seqmeta = best("seq")
torch, torchmeta = best("torch")
seq512, seq512meta = best("seq512")
rows = []
print(f"{'op':22s} {'shape':18s} {'seq ms':>9s} {'torch ms':>9s} {'torch/seq':>9s}  {'seq AVX-512 BLAS ms':>20s}")
for k, t in torch.items():
    s = seq.get(k)
    if not s:
        continue
    ratio = t["median_s"] / s["median_s"]
    row = {"name": k[0], "shape": list(k[1]), "seq_s": s["median_s"], "torch_s": t["median_s"], "torch_over_seq": ratio}
    extra = ""
    if k in seq512:
        row["seq_avx512_s"] = seq512[k]["median_s"]
        row["seq_avx512_gflops"] = seq512[k]["gflops"]
        row["seq_gflops"] = s["gflops"]
        extra = f"{seq512[k]['median_s']*1e3:12.3f} ({seq512[k]['gflops']:.0f} GFLOP/s)"
    rows.append(row)
    print(f"{k[0]:22s} {str(list(k[1])):18s} {s['median_s']*1e3:9.3f} {t['median_s']*1e3:9.3f} {ratio:9.2f}  {extra}")
print(json.dumps({"rounds": rounds, "threads": threads, "seq_engine": seqmeta.get("engine"),
                  "torch_engine": torchmeta.get("engine"),
                  "seq_openblas_kernel": seqmeta.get("openblas_kernel"),
                  "seq_avx512_openblas_kernel": seq512meta.get("openblas_kernel"),
                  "raw_sgemm": seqmeta.get("raw_sgemm"), "rows": rows}))
PYEOF
rm -rf "$OUT"
