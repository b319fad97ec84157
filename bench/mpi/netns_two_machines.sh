#!/usr/bin/env bash
# Two machines simulated on this one: network namespaces seq-a (10.77.0.1) and seq-b
# (10.77.0.2) joined by a veth pair, one rank in each, MPI over TCP only (no shared memory).
# mpirun runs in seq-a and starts the rank of 10.77.0.2 through an "rsh agent" that enters
# seq-b instead of ssh-ing. Same run as bench/mpi/same_weights_and_speed.sh's B (small
# preset, 2 × 1 thread, batch 16 per rank). Each "machine" gets a core of its own: mpirun's
# default binding would put both ranks on core 0, since each namespace looks like a machine
# of its own to it. Prints the run's summary and the weight
# difference from a 1 × 1-thread batch-32 run. Needs root (ip netns).
#
#   bash bench/mpi/netns_two_machines.sh [STEPS]   (default 50)
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS="${1:-50}"
source bench/mpi/common.sh
OUT="$(mktemp -d)"
cleanup() { ip netns del seq-a 2>/dev/null || true; ip netns del seq-b 2>/dev/null || true; rm -rf "$OUT"; }
trap cleanup EXIT
cleanup; OUT="$(mktemp -d)"
ip netns add seq-a && ip netns add seq-b
ip link add seq-va type veth peer name seq-vb
ip link set seq-va netns seq-a && ip link set seq-vb netns seq-b
ip -n seq-a addr add 10.77.0.1/24 dev seq-va && ip -n seq-b addr add 10.77.0.2/24 dev seq-vb
for ns in seq-a seq-b; do ip -n $ns link set lo up; done
ip -n seq-a link set seq-va up && ip -n seq-b link set seq-vb up
cat > "$OUT/agent.sh" <<'AGENT'
#!/bin/sh
# mpirun calls: agent.sh [options] HOST COMMAND...; enter HOST's namespace instead of ssh.
while [ "${1#-}" != "$1" ]; do shift; done
host="$1"; shift
case "$host" in 10.77.0.1) ns=seq-a ;; *) ns=seq-b ;; esac
exec ip netns exec "$ns" /bin/sh -c "$*"
AGENT
chmod +x "$OUT/agent.sh"
exec 9>/tmp/seq-build.lock
flock 9
echo "1 × 1 thread, batch 32" >&2
single_run a 1
echo "2 namespaces × 1 thread over TCP, batch 16 per rank" >&2
ip netns exec seq-a mpirun -n 2 --host 10.77.0.1:1,10.77.0.2:1 --mca plm_rsh_agent "$OUT/agent.sh" \
  --mca pml ob1 --mca btl tcp,self --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24 \
  -x PATH -x OMPI_ALLOW_RUN_AS_ROOT -x OMPI_ALLOW_RUN_AS_ROOT_CONFIRM --bind-to none \
  sh -c 'exec taskset -c "$OMPI_COMM_WORLD_RANK" "$@"' rank "$SEQ" "${ARGS[@]}" --batch-size 16 --threads 1 --out "$OUT/b" 2>"$OUT/b.err" | tail -n 1 > "$OUT/b.json" \
  || { cat "$OUT/b.err" >&2; exit 1; }
echo "the same with the all-reduce overlapped with the backward pass (--overlap-reduce)" >&2
ip netns exec seq-a mpirun -n 2 --host 10.77.0.1:1,10.77.0.2:1 --mca plm_rsh_agent "$OUT/agent.sh" \
  --mca pml ob1 --mca btl tcp,self --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24 \
  -x PATH -x OMPI_ALLOW_RUN_AS_ROOT -x OMPI_ALLOW_RUN_AS_ROOT_CONFIRM --bind-to none \
  sh -c 'exec taskset -c "$OMPI_COMM_WORLD_RANK" "$@"' rank "$SEQ" "${ARGS[@]}" --batch-size 16 --threads 1 --overlap-reduce --out "$OUT/o" 2>"$OUT/o.err" | tail -n 1 > "$OUT/o.json" \
  || { cat "$OUT/o.err" >&2; exit 1; }
"$PY" - "$OUT" <<'PYEOF'
import json, sys
import numpy as np
from safetensors.numpy import load_file
out = sys.argv[1]
a, b, o = (json.load(open(f"{out}/{n}.json")) for n in "abo")
wa, wb, wo = (load_file(f"{out}/{n}/model.safetensors") for n in "abo")
print(json.dumps({"steps": b["steps"], "processes": b["processes"], "transport": "tcp over veth between 2 netns",
                  "max_abs_weight_diff_1x32_vs_2x16": max(float(np.abs(wa[k] - wb[k]).max()) for k in wa),
                  "tokens_per_s_1x1": a["tokens_per_s"], "tokens_per_s_2x1_netns": b["tokens_per_s"],
                  "allreduce_seconds": b.get("allreduce_seconds"),
                  "tokens_per_s_2x1_netns_overlapped": o["tokens_per_s"], "allreduce_seconds_overlapped": o.get("allreduce_seconds"),
                  "overlapped_weights_identical": all(np.array_equal(wb[k], wo[k]) for k in wb)}, sort_keys=True))
PYEOF
