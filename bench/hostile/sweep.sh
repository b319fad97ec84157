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
        *) echo "sweep.sh: unknown generator $1" >&2; return 1 ;;
    esac
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
    read -ra argv <<< "$expanded"
    case $input in
        -) stdin=/dev/null ;;
        file:*) stdin=${input#file:} ;;
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
