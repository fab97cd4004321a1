#!/usr/bin/env bash
# Distributed inference with torchrun: dist_infer.sh CONFIG CHECKPOINT A B NPROC [infer.py args]
# One GeoTIFF pair: the windows are shared by the processes, rank 0 writes.
# Two folders: the pairs are shared. Without GPUs the processes use gloo on CPU.
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR (and PORT) on every node;
# the inputs and the output folder must be on a file system all nodes see.
# PYTHON selects the interpreter (default: python on PATH).
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
A=$3
B=$4
NPROC=$5
shift 5
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
# Paths stay relative to the caller's folder (no cd).
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHONPATH="$ROOT:${PYTHONPATH:-}" exec "${PYTHON:-python}" -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" --master_port="$PORT" \
    "$ROOT/tools/infer.py" "$CONFIG" "$CHECKPOINT" "$A" "$B" --launcher pytorch "$@"
