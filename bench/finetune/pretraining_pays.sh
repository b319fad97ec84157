#!/usr/bin/env bash
# "Pretraining pays" (issue 10): a small-preset BERT that `seq pretrain` trained for
# PRETRAIN_MINUTES on Gutenberg, fine-tuned on SST-2 and on SICK, beside the same
# architecture and tokenizer with random weights (`seq finetune --random-init`), each
# fine-tuning run with the same budget (FINETUNE_MINUTES, same flags, same seed).
#
#   bash bench/finetune/pretraining_pays.sh [PRETRAIN_MINUTES=30] [FINETUNE_MINUTES=10] [THREADS=2]
#
# PATIENCE (default 0: the whole budget) is passed to --patience: with the default of 3 a
# small model on SICK stops after ~100 steps still predicting the majority class.
# PRETRAIN_FLAGS adds flags to `seq pretrain` (e.g. "--lr 5e-4 --total-steps 1130": a higher
# peak rate decayed to 0 where the time budget ends).
# Needs ../shared/data and a release build. Runs go to runs/pretraining-pays/ (a pretrained
# model already there is reused). Prints one line per run and ends with a JSON summary.
set -euo pipefail
cd "$(dirname "$0")/../.."
D=${SEQ_DATA:-../shared/data}
SEQ=${SEQ:-.build/release/seq}
OUT=${OUT:-runs/pretraining-pays}
PT=${1:-30} FT=${2:-10} TH=${3:-2} PATIENCE=${PATIENCE:-0}
read -ra PRETRAIN_EXTRA <<< "${PRETRAIN_FLAGS:-}"
[[ -d $D/lm/gutenberg ]] || { echo "pretraining_pays.sh: needs $D (the shared datasets)" >&2; exit 2; }
[[ -x $SEQ ]] || { echo "pretraining_pays.sh: no release build at $SEQ (swift build -c release)" >&2; exit 2; }
mkdir -p "$OUT"

if [[ ! -f $OUT/pretrained/config.json ]]; then
    "$SEQ" pretrain "$D/lm/gutenberg/train.txt" --preset small --max-minutes "$PT" --threads "$TH" \
        "${PRETRAIN_EXTRA[@]}" --out "$OUT/pretrained" > "$OUT/pretrain.json" 2> "$OUT/pretrain.log"
fi
BASE=$OUT/pretrained
[[ -f $BASE/best/config.json ]] && BASE=$BASE/best
echo "pretrained model: $BASE ($(tail -n 1 "$OUT/pretrain.json" 2>/dev/null | head -c 300))"

summary="{"
for task in sentiment nli; do
    case $task in
    sentiment) train=$D/sentiment/sst2/train.tsv dev=$D/sentiment/sst2/dev.tsv ;;
    nli) train=$D/nli/sick/train.tsv dev=$D/nli/sick/dev.tsv ;;
    esac
    for start in pretrained random; do
        run=$OUT/$task-$start
        rm -rf "$run"
        extra=(); [[ $start == random ]] && extra=(--random-init)
        "$SEQ" finetune --task "$task" --init "$BASE" "${extra[@]}" --train "$train" --dev "$dev" \
            --max-minutes "$FT" --patience "$PATIENCE" --threads "$TH" --seed 1 --out "$run" > "$run.json" 2> "$run.log"
        line=$(tail -n 1 "$run.json")
        acc=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("best_dev", {}).get("accuracy", "?"))' "$line" 2>/dev/null || echo "?")
        echo "$task from $start: best dev accuracy $acc ($run.json)"
        summary+="\"$task-$start\": $line, "
    done
done
echo "${summary%, }}"
