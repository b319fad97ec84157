#!/usr/bin/env bash
# Runs every case of bench/hostile/cases.tsv (or the file given) against a built seq and
# checks its exit status: the one wanted, never a signal (trap, abort, kill), never a
# Foundation error dump, at most 60 s and 4 GiB of address space… per case. Prints one line
# per failing case and a summary; exits 1 if any case fails.
#
#   bash bench/hostile/sweep.sh [CASES.tsv]      (SEQ=path/to/seq; default .build/release/seq
#                                                 if built, else .build/debug/seq)
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SEQ=${SEQ:-$ROOT/.build/release/seq}
[[ -x $SEQ ]] || SEQ=$ROOT/.build/debug/seq
CASES=${1:-$ROOT/bench/hostile/cases.tsv}
[[ -x $SEQ ]] || { echo "sweep.sh: no seq binary at $SEQ (swift build first, or set SEQ)" >&2; exit 2; }
MINILM=${SEQ_MINILM_DIR:-$HOME/.cache/seq/minilm}
WORK=$(mktemp -d /tmp/seq-hostile.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nharbor\nat\ndawn\n##s\n' > "$WORK/vocab.txt"
printf 'not a tokenizer\n' > "$WORK/file"
gen() {
    case $1 in
        emptylines) head -c 100000 /dev/zero | tr '\0' '\n' ;;
        bigline) python3 -c 'import sys; sys.stdout.write("the harbor at dawn " * 1_100_000 + "\n")' ;;   # ~20 MB
        words) for i in $(seq 1 200); do echo "the harbor at dawn $i"; done ;;
        nonutf8) printf 'caf\xe9 \xff\xfe\xc3( \xed\xa0\x80 \xf4\x90\x80\x80\n\x00\r\n' ;;
        binary) head -c 200000 /dev/urandom ;;
        longword) python3 -c 'import sys; sys.stdout.write("x" * 5_000_000 + "\n")' ;;
        emptylines1k) head -c 1000 /dev/zero | tr '\0' '\n' ;;
        empty) : ;;
        src) for i in $(seq 1 60); do echo "the harbor at dawn $i"; done ;;
        tgt) for i in $(seq 1 60); do echo "der hafen im morgengrauen $i"; done ;;
        # Fine-tuning data: one bad record among good ones, only bad records, broken formats.
        badtsv) printf 'sentence\tlabel\na warm film\t1\na dull film\nthe hotel\t0\n' ;;
        allbadtsv) printf 'sentence\tlabel\na warm film\t\na dull film\t \n' ;;
        badconllu) printf '1\tA\ta\tDET\t_\t_\t0\troot\t_\t_\n3\tdog\tdog\tNOUN\t_\t_\t1\tnsubj\t_\t_\n' ;;
        rangeconllu) printf '1-3\tAl\t_\t_\t_\t_\t_\t_\t_\t_\n1\tA\ta\tDET\t_\t_\t0\troot\t_\t_\n' ;;
        badjson) printf '{"data": [{"paragraphs": [{"context": "abc", "qas": [{"id": "q", "question": "?", "answers": [{"text": "b", "answer_start": 9223372036854775807}]}]}]}]}' ;;
        deepjson) python3 -c 'import sys; sys.stdout.write("[" * 100000 + "]" * 100000)' ;;
        bomtsv) printf '\xef\xbb\xbfsentence\tlabel\na warm film\t1\na dull film\t0\n' ;;
        pairs) for i in $(seq 1 20); do printf 'the harbor at dawn %s\tthe harbor\n' "$i"; done ;;
        qalines) printf '{"question": "what?", "context": "the harbor at dawn"}\n{"question": 3}\nnot json\n' ;;
        goodqa) printf '{"question": "where?", "context": "the harbor at dawn"}\n{"question": "", "context": ""}\n' ;;
        # Tokenizer files Hugging Face refuses: a fractional id, an id of 10^12, deep nesting.
        tokjsonfrac) printf '{"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "a": 3.5}}}' ;;
        tokjsonhuge) printf '{"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "a": 1000000000000}}}' ;;
        tokjsondeep) python3 -c 'import sys; sys.stdout.write("{\"model\": " + "[" * 100000 + "]" * 100000 + "}")' ;;
        dupvocab) printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nthe\nharbor\n' ;;
        *) echo "sweep.sh: unknown generator $1" >&2; return 1 ;;
    esac
}

# Files for flags that take a path: $G_<generator> is the generator's output as a file.
gen_file() { local f="$WORK/file-$1"; [[ -f $f ]] || gen "$1" > "$f"; echo "$f"; }

# Tiny models for the commands that need one, made on first use by seq itself (seconds
# with a release build): $BERT a pretrained BERT, $SENTIMENT a sentiment model fine-tuned
# from it ($NLI, $POS, $QA likewise), $HUGECONFIG and $NANBERT broken copies of $BERT (a
# config of 10^9-wide layers, NaN weights), $TRANSLATOR a translation model. A fixture that
# cannot be made fails its cases.
fixture() {   # $1: name; prints the directory
    local d="$WORK/model-$1" log="$WORK/model-$1.log"
    if [[ ! -e $d.done ]]; then
        touch "$d.done"
        case $1 in
        BERT) "$SEQ" pretrain "$(gen_file words)" --tokenizer "$ROOT/vocab/default" --layers 1 --hidden 16 --heads 2 --ffn 32 \
                  --max-length 16 --batch-size 4 --max-steps 1 --eval-rows 2 --threads 1 --out "$d" < /dev/null > "$log" 2>&1 ;;
        SENTIMENT) "$SEQ" finetune --task sentiment --init "$(fixture BERT)" --max-steps 1 --batch-size 4 --max-length 16 \
                  --threads 1 --out "$d" < /dev/null > "$log" 2>&1 ;;
        NLI|POS|QA) local task; task=$(tr 'A-Z' 'a-z' <<< "$1")
                  "$SEQ" finetune --task "$task" --init "$(fixture BERT)" --max-steps 1 --batch-size 4 --max-length 32 \
                  --threads 1 --out "$d" < /dev/null > "$log" 2>&1 ;;
        # Broken copies of BERT: config.json claiming 10^9-wide layers; every weight NaN.
        HUGECONFIG) cp -r "$(fixture BERT)" "$d" && python3 - "$d/config.json" <<'PY' ;;
import json, sys
c = json.load(open(sys.argv[1])); c["hidden_size"] = 10**9; c["num_attention_heads"] = 1
json.dump(c, open(sys.argv[1], "w"))
PY
        NANBERT) cp -r "$(fixture BERT)" "$d" && python3 - "$d/model.safetensors" <<'PY' ;;
import json, struct, sys
b = bytearray(open(sys.argv[1], "rb").read()); n = struct.unpack("<Q", b[:8])[0]
for t in json.loads(b[8:8 + n]).values():
    if isinstance(t, dict) and t.get("dtype") == "F32":
        s, e = t["data_offsets"]
        b[8 + n + s:8 + n + e] = struct.pack("<f", float("nan")) * ((e - s) // 4)
open(sys.argv[1], "wb").write(b)
PY
        TRANSLATOR) "$SEQ" train-translation --src "$(gen_file src)" --tgt "$(gen_file tgt)" --preset tiny --vocab-size 300 \
                  --max-steps 1 --eval-every 0 --threads 1 --out "$d" < /dev/null > "$log" 2>&1 ;;
        esac || echo "sweep.sh: cannot make the $1 fixture: $(tail -1 "$log")" >&2
    fi
    echo "$d"
}

pass=0 fail=0 skip=0 n=0
while IFS=$'\t' read -r expect input args; do
    [[ -z $expect || $expect == \#* ]] && continue
    n=$((n + 1))
    if [[ $args == *'$MINILM'* && ! -f $MINILM/model.safetensors ]]; then skip=$((skip + 1)); continue; fi
    tmp="$WORK/case$n"; mkdir -p "$tmp"
    out=/dev/null
    if [[ $args == '$DEVFULL '* ]]; then out=/dev/full; args=${args#'$DEVFULL '}; fi
    expanded=${args//'$TMP'/$tmp}; expanded=${expanded//'$VOCAB'/$WORK/vocab.txt}; expanded=${expanded//'$FILE'/$WORK/file}
    expanded=${expanded//'$CORPUS'/$ROOT/corpora/default.txt}; expanded=${expanded//'$MINILM'/$MINILM}
    expanded=${expanded//'$FINETUNE'/$ROOT/corpora/finetune}
    for f in BERT SENTIMENT NLI POS QA HUGECONFIG NANBERT TRANSLATOR; do [[ $expanded == *"\$$f"* ]] && expanded=${expanded//"\$$f"/$(fixture $f)}; done
    while [[ $expanded =~ \$G_([a-z0-9]+) ]]; do expanded=${expanded//"${BASH_REMATCH[0]}"/$(gen_file "${BASH_REMATCH[1]}")}; done
    read -ra argv <<< "$expanded"
    case $input in
        -) stdin=/dev/null ;;
        file:*) stdin=${input#file:}; [[ $stdin == /* ]] || stdin=$ROOT/$stdin ;;
        gen:*) stdin="$WORK/gen-${input#gen:}"; [[ -f $stdin ]] || gen "${input#gen:}" > "$stdin" ;;
    esac
    ( ulimit -v 4194304; cd "$tmp" && timeout -s KILL 60 "$SEQ" "${argv[@]}" < "$stdin" > "$out" 2> "$tmp/stderr" )
    rc=$?
    why=""
    if [[ $rc -ge 128 ]]; then why="killed by signal $((rc - 128))"
    elif [[ $expect == 12 && ($rc == 1 || $rc == 2) ]]; then :
    elif [[ $rc != "$expect" ]]; then why="exit $rc, expected $expect"
    elif grep -q 'NSCocoaErrorDomain\|Fatal error\|Stack dump' "$tmp/stderr"; then why="stderr holds a dump"
    fi
    if [[ -n $why ]]; then
        fail=$((fail + 1))
        echo "FAIL [$why] seq $args < $input :: $(head -c 300 "$tmp/stderr" | tr '\n' ' ')"
    else
        pass=$((pass + 1))
    fi
done < "$CASES"
echo "hostile sweep: $pass passed, $fail failed, $skip skipped (MiniLM absent) of $n cases"
[[ $fail -eq 0 ]]
