#!/usr/bin/env bash
# libFuzzer targets for seq's readers (the package in fuzz/, built with
# `-sanitize=fuzzer,address`; libFuzzer supplies main, AddressSanitizer catches memory
# errors and leaks).
#
#   bash scripts/fuzz.sh [RUNS]            every target for RUNS executions (default 1000000)
#   bash scripts/fuzz.sh RUNS TARGET...    the named targets for RUNS executions each
#   bash scripts/fuzz.sh TARGET SECONDS    one target (or "all") for SECONDS seconds
#
# Targets: tokenizer-json vocab-txt encode safetensors config-json conllu glue-tsv squad-json
# parallel-text.
# Each run starts from the handwritten seeds in fuzz/seeds/TARGET and keeps what it
# finds in fuzz/.build/corpus/TARGET; crashes, leaks and inputs slower than 1 s are saved
# in fuzz/.build/findings/TARGET (an earlier run's move to findings-earlier/). One summary
# line per target; exits 1 if any target has a finding. The build and each run take the
# shared lock (flock /tmp/seq-build.lock).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ALL=(tokenizer-json vocab-txt encode safetensors config-json conllu glue-tsv squad-json parallel-text)

targets=("${ALL[@]}"); limit=(-runs=1000000)
if [[ $# -ge 1 && $1 =~ ^[0-9]+$ ]]; then
    limit=(-runs="$1")
    if [[ $# -ge 2 ]]; then
        targets=("${@:2}")
        for t in "${targets[@]}"; do
            [[ " ${ALL[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target '$t'; known: ${ALL[*]}" >&2; exit 2; }
        done
    fi
elif [[ $# -ge 1 ]]; then
    [[ $1 == all ]] || targets=("$1")
    [[ " ${ALL[*]} all " == *" $1 "* ]] || { echo "fuzz.sh: unknown target '$1'; known: ${ALL[*]}" >&2; exit 2; }
    [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [RUNS] | scripts/fuzz.sh TARGET SECONDS" >&2; exit 2; }
    limit=(-max_total_time="$2")
fi

BUILD="$ROOT/fuzz/.build"
mkdir -p "$BUILD"
echo "building the fuzz targets (release, -sanitize=fuzzer,address)…" >&2
flock /tmp/seq-build.lock swift build --package-path fuzz --build-path "$BUILD" -c release \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >"$BUILD/build.log" 2>&1 \
    || { tail -30 "$BUILD/build.log" >&2; echo "fuzz.sh: build failed (log: $BUILD/build.log)" >&2; exit 2; }
BIN=$(swift build --package-path fuzz --build-path "$BUILD" -c release --show-bin-path)

# Binary seeds are written here, not committed: a safetensors file (even a 188-byte one) and
# raw bytes do not belong in the repository. Each is a header or text plus hex bytes.
write_binary_seeds() {   # $1: target, $2: folder
    hexbytes() { printf '%b' "$(echo "$1" | sed 's/../\\x&/g')"; }
    safetensors() {   # $1: header JSON (space-padded to 8 bytes), $2: data as hex
        local n=${#1}
        hexbytes "$(printf '%02x%02x000000000000' $((n & 255)) $((n >> 8)))"; printf '%s' "$1"; hexbytes "$2"
    }
    case "$1" in
    safetensors)
        safetensors '{"a.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[],"data_offsets":[24,28]},"__metadata__":{"format":"pt"}}   ' \
            0000803f000000c000006040000000006f12833a0000e04000000040 > "$2/f32.safetensors"
        safetensors '{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"i":{"dtype":"I64","shape":[1],"data_offsets":[4,12]},"z":{"dtype":"F32","shape":[0,4],"data_offsets":[12,12]}}   ' \
            003e00c00500000000000000 > "$2/mixed.safetensors" ;;
    encode)   # UTF-8 with accents, CJK, an emoji, a combining mark, invalid bytes, a special token and a NUL
        hexbytes 6e61c3af766520636166c3a920e4b8ade6968720f09f98802061cc8120fffe205b5345505d200020656e64 > "$2/mixed.bin" ;;
    # The dataset readers: a UTF-8 byte order mark, Latin-1 bytes (not UTF-8), a NUL.
    conllu)   # BOM + a sentence; a sentence whose second form is "caf\xe9"
        hexbytes efbbbf310941096109444554095f095f093009726f6f74095f095f0a > "$2/bom.conllu"
        hexbytes 31096109610958095f095f093009726f6f74095f095f0a3209636166e909630958095f095f0931096f626a095f095f0a0a > "$2/latin1.conllu" ;;
    glue-tsv)   # BOM before the header; a Latin-1 row after a good one; a NUL in a sentence
        hexbytes efbbbf73656e74656e6365096c6162656c0a6f6b09310a > "$2/bom.tsv"
        hexbytes 73656e74656e6365096c6162656c0a6f6b09310a636166e909300a610062090a > "$2/latin1.tsv" ;;
    squad-json)   # BOM before the JSON; a Latin-1 byte inside the context string
        hexbytes efbbbf7b2264617461223a205b5d7d > "$2/bom.json"
        hexbytes 7b2264617461223a205b7b2270617261677261706873223a205b7b22636f6e74657874223a2022636166e9222c2022716173223a205b5d7d5d7d5d7d > "$2/latin1.json" ;;
    parallel-text)   # source NUL target: aligned; one line short; CRLF and Latin-1 on both sides
        hexbytes 74686520636174207361740a61620a00746865206368617420617373697320690a62610a > "$2/aligned.bin"
        hexbytes 610a620a00610a > "$2/mismatch.bin"
        hexbytes 636166e90d0a7468650d0a00ff0d0a0d0a > "$2/crlf-latin1.bin" ;;
    esac
}

status=0
for t in "${targets[@]}"; do
    corpus="$BUILD/corpus/$t"; findings="$BUILD/findings/$t"
    # An earlier run's findings are kept aside, so that this run's count is its own.
    if [[ -d $findings ]] && [[ -n $(ls -A "$findings") ]]; then
        mkdir -p "$BUILD/findings-earlier/$t" && mv "$findings"/* "$BUILD/findings-earlier/$t/"
    fi
    mkdir -p "$corpus" "$findings"
    write_binary_seeds "$t" "$corpus"
    seeds=(); [ -d "$ROOT/fuzz/seeds/$t" ] && seeds=("$ROOT/fuzz/seeds/$t")
    log="$BUILD/fuzz-$t.log"
    # -timeout: an input slower than 1 s is a finding; -rss_limit_mb bounds memory (an
    # unbounded allocation is a finding too); leaks are reported by AddressSanitizer.
    # The runs take the lock too: on a shared machine a fuzzer is a CPU-bound job.
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
        LSAN_OPTIONS=suppressions="$ROOT/fuzz/lsan.supp" \
        flock /tmp/seq-build.lock "$BIN/fuzz-$t" "$corpus" "${seeds[@]}" "${limit[@]}" -timeout=1 -rss_limit_mb=2048 \
        -max_len=16384 -artifact_prefix="$findings/" -print_final_stats=1 >"$log" 2>&1
    rc=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    found=$(find "$findings" -type f | wc -l)
    echo "$t: executions ${runs:-?} (${rate:-?}/s), coverage ${cov:-?} edges, features ${ft:-?}, corpus $(find "$corpus" -type f | wc -l) inputs, findings $found (exit $rc; log $log)"
    if [[ $rc -ne 0 || $found -ne 0 ]]; then status=1; fi
done
exit $status
