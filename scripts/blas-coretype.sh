#!/usr/bin/env bash
# Prints the OPENBLAS_CORETYPE for this CPU's instruction sets (nothing when generic kernels
# are all it has): the rule of Sources/SeqTensor/Parallel/BLASCore.swift, for processes that
# cannot re-execute themselves as `seq` does — the test runner. OpenBLAS 0.3.21 gives a CPU
# newer than itself (an Emerald Rapids Xeon, say) its SSE3 kernels, 4.5× slower.
set -euo pipefail
flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
has() { for f in "$@"; do [[ "$flags" == *" $f "* ]] || return 1; done; }
if has avx512f avx512vl avx512bw avx512dq; then
  if has avx512_bf16; then echo Cooperlake; else echo SkylakeX; fi
elif has avx2 fma; then echo Haswell
elif has avx; then echo Sandybridge
fi
