#!/usr/bin/env bash
# The README's main job on a small default, CPU friendly (a few minutes):
#   1. write the synthetic demo dataset (data/demo_cd),
#   2. train the demo config (300 iterations, checkpoints every 100),
#   3. test the last checkpoint and draw every test pair (--show-dir).
# Usage: bash tools/demo.sh [CONFIG]
#   default: configs/changefine/changefine_tiny_demo.py (a tiny ChangeFine);
#   e.g. configs/fcsn/fc_siam_diff_demo.py for the FC-Siam-diff baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${1:-configs/changefine/changefine_tiny_demo.py}
NAME=$(basename "$CONFIG" .py)
WORK_DIR=work_dirs/$NAME
export PYTHONPATH="$PWD:${PYTHONPATH:-}"
[ -d data/demo_cd/train ] || python tools/misc/make_demo_data.py data/demo_cd
# --resume auto: a rerun continues (or finishes at once) instead of
# refusing to overwrite the earlier run.
python tools/train.py "$CONFIG" --work-dir "$WORK_DIR" --resume auto
CHECKPOINT="$WORK_DIR/$(cat "$WORK_DIR/last_checkpoint" | xargs basename)"
python tools/test.py "$CONFIG" "$CHECKPOINT" --work-dir "$WORK_DIR" \
    --show-dir "$WORK_DIR/vis"
echo "Done: checkpoint $CHECKPOINT, panels in $WORK_DIR/vis (A | B | TP/FP/FN overlay), masks in $WORK_DIR/vis/masks"
