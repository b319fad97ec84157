#!/usr/bin/env bash
# Issue 12's quality rows: sequence-level distillation from an autoregressive teacher, then
# one NAT kind trained on the distilled and on the raw Multi30k targets with the same budget
# (one thread each, the two runs side by side on the two cores, both starting their encoder
# from the teacher), then sacreBLEU on all 1,014 val sentences for each decoding the issue
# names. Prints one line per (data, decoding): BLEU and chrF.
#
#   bash bench/translation/nat_quality.sh TEACHER [KIND] [MINUTES] [RUNS]
#     TEACHER  an autoregressive model directory (seq train-translation)
#     KIND     nat-cmlm (default), nat-ctc or nat-vanilla
#     MINUTES  training budget of each run (default 35)
#     RUNS     where the distilled targets and the models go (default runs/nat)
#
# The distilled targets (RUNS/train.distill.de, beam 5) are made once and reused.
# GLANCING=R adds --glancing R (nat-cmlm) to both runs, whose directories then end in -glat.
# INIT_DECODER=1 adds --init-decoder (decoder layers from the teacher too; directories end
# in -initdec). DATA="distilled" (or "raw") trains only that run, on the first of CORES
# (default "0 1", one core per run), so two kinds can share the machine:
#   DATA=distilled CORES=0 nat_quality.sh T nat-cmlm 20 & DATA=distilled CORES=1 nat_quality.sh T nat-ctc 20
set -euo pipefail
cd "$(dirname "$0")/../.."
TEACHER="$1"
KIND="${2:-nat-cmlm}"
MINUTES="${3:-35}"
RUNS="${4:-runs/nat}"
SEQ="${SEQ:-.build/release/seq}"
GLANCING="${GLANCING:-0}"
INIT_DECODER="${INIT_DECODER:-0}"
DATA="${DATA:-distilled raw}"
read -ra CORE_LIST <<< "${CORES:-0 1}"
SUFFIX=""; [ "$GLANCING" != 0 ] && SUFFIX="-glat"
EXTRA=(); [ "$INIT_DECODER" != 0 ] && { EXTRA=(--init-decoder); SUFFIX="$SUFFIX-initdec"; }
M=../shared/data/translation/multi30k
[ -d "$M" ] || { echo "nat_quality.sh: $M is absent (Multi30k from ../shared/data)" >&2; exit 1; }
mkdir -p "$RUNS"

if [ ! -f "$RUNS/train.distill.de" ]; then
  "$SEQ" distill --teacher "$TEACHER" --src "$M/train.en" --out "$RUNS/train.distill.de" --beam 5 --threads 2 | tail -n 1
fi

train() {  # CORE DATA TARGETS
  taskset -c "$1" "$SEQ" train-translation --model "$KIND" --init "$TEACHER" --src "$M/train.en" --tgt "$3" \
    --val-src "$M/val.en" --val-tgt "$M/val.de" --out "$RUNS/$KIND-$2$SUFFIX" --max-minutes "$MINUTES" \
    --eval-every 150 --eval-sentences 300 --eval-iterations 4 --checkpoint-every 150 --threads 1 --glancing "$GLANCING" \
    "${EXTRA[@]}" > "$RUNS/$KIND-$2$SUFFIX.log" 2>&1
}
i=0
for data in $DATA; do
  case "$data" in
    distilled) targets="$RUNS/train.distill.de" ;;
    raw) targets="$M/train.de" ;;
    *) echo "nat_quality.sh: DATA holds distilled and/or raw, not $data" >&2; exit 1 ;;
  esac
  train "${CORE_LIST[i % ${#CORE_LIST[@]}]}" "$data" "$targets" &
  i=$((i + 1))
done
wait

decodings() {
  case "$KIND" in
    nat-cmlm) echo "--iterations 10 --length-beam 3|--iterations 4 --length-beam 3|--iterations 1 --length-beam 1|--iterations 10 --npd-teacher $TEACHER --npd-candidates 5" ;;
    nat-ctc) echo "--ctc-beam 1|--ctc-beam 5" ;;
    nat-vanilla) echo "--length-beam 1|--npd-teacher $TEACHER --npd-candidates 5" ;;
  esac
}
for data in $DATA; do
  IFS='|' read -ra ways <<< "$(decodings)"
  for way in "${ways[@]}"; do
    # shellcheck disable=SC2086
    json=$("$SEQ" evaluate --task translate --model "$RUNS/$KIND-$data$SUFFIX/best" --src "$M/val.en" --ref "$M/val.de" \
      --threads 2 $way | tail -n 1)
    echo "$KIND $data$SUFFIX [$way]: $json"
  done
done
