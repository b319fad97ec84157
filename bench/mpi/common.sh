# Shared by the bench/mpi scripts (sourced from the package root with STEPS set): the
# reference Python, data, the release binary, and the one recipe every run uses (small
# preset, MiniLM vocabulary, rows of 128 tokens, Gutenberg train.txt, seed 3).
PY="${PY:-$HOME/.cache/seq-ref/venv/bin/python}"
VOCAB="${SEQ_MINILM_DIR:-$HOME/.cache/seq/minilm}/vocab.txt"
CORPUS="$PWD/../shared/data/lm/gutenberg/train.txt"
[ -f "$VOCAB" ] || { echo "no MiniLM vocab.txt at $VOCAB" >&2; exit 1; }
[ -f "$CORPUS" ] || { echo "no corpus at $CORPUS" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "mpirun not found: bash scripts/install-deps.sh installs Open MPI" >&2; exit 1; }
flock /tmp/seq-build.lock swift build -c release --product seq >&2
SEQ="$PWD/.build/release/seq"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ARGS=(pretrain "$CORPUS" --tokenizer "$VOCAB" --preset small --max-length 128 --lr 1e-4 --warmup 10
      --total-steps 10000 --max-steps "$STEPS" --eval-every 0 --eval-rows 0 --checkpoint-every 0 --log-every 10 --seed 3)

# single_run NAME THREADS: one process, batch 32, into $OUT/NAME and $OUT/NAME.json.
single_run() {
  "$SEQ" "${ARGS[@]}" --batch-size 32 --threads "$2" --out "$OUT/$1" 2>"$OUT/$1.err" | tail -n 1 > "$OUT/$1.json"
}
