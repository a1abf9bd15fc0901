#!/usr/bin/env bash
# The main job: install everything, train the paper's recipe on Fashion-MNIST (32x32, one
# channel, 5 epochs as in the paper's Figure 3), write 10,000 samples and a grid, measure them
# against the test split, then write the HTML report.
# Usage: bash scripts/main.sh [RUN_DIR] [extra dcgan train options, e.g. --set train.epochs=1]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
RUN_DIR="${1:-runs/main}"; shift || true
start=$(date +%s)
if [ -f "$RUN_DIR/checkpoints/latest.pt" ]; then
  echo "main: $RUN_DIR already holds a run; continuing it" >&2
  .venv/bin/dcgan train --resume "$RUN_DIR" "$@"
else
  # the paper's length, stated: 5 epochs of Fashion-MNIST (= what the auto length gives 60,000 images);
  # the default grey 32 px model and an in-training Fréchet distance every 250 steps (best.pt kept)
  .venv/bin/dcgan train --set train.out_dir="$RUN_DIR" --set train.epochs=5 --set model.channels=1 "$@"
fi
.venv/bin/dcgan sample --checkpoint "$RUN_DIR" --n 10000 --seed 0 --out "$RUN_DIR/samples.npz" --grid "$RUN_DIR/samples.png"
# Sample quality against the 10,000 test images, in the shipped Fashion-MNIST classifier's feature space.
.venv/bin/dcgan evaluate --samples "$RUN_DIR/samples.npz" --reference fashion-mnist --split test \
  --out "$RUN_DIR/eval/metrics.json" --neighbours "$RUN_DIR/eval/neighbours.png" > /dev/null  # the JSON is in the file
.venv/bin/dcgan report "$RUN_DIR" > /dev/null
# A short table of what was measured, the wall-clock and where the report is (scripts/main_summary.py).
.venv/bin/python scripts/main_summary.py "$RUN_DIR" "$(( $(date +%s) - start ))"
echo "main: outputs in $RUN_DIR: samples.png, samples.npz, samples/ (per-epoch grids), checkpoints/{latest,best}.pt, metrics.jsonl, eval/, report/" >&2
exit 0
