#!/usr/bin/env bash
# Everything a lent GPU should do, in one call: the test suite, then the two long runs at full
# length (faces, Table 1) with their measurements, and their networks published as pretrained.
#   bash scripts/gpu.sh                 # on the GPU machine (device auto: cuda when present)
#   SIZE=tiny bash scripts/gpu.sh       # the same commands at a tiny size, on any device (the suite runs this)
# Figures land in $OUT (results/gpu): device.txt, faces/, table1/; the runs in $RUNS (runs/gpu).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-full}
OUT=${OUT:-results/gpu}
RUNS=${RUNS:-runs/gpu}
PY=${PY:-.venv/bin/python}
[[ "${SETUP:-1}" == 1 ]] && bash scripts/setup.sh
mkdir -p "$OUT"
{ nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo "no GPU: $(uname -m) CPU"; } > "$OUT/device.txt"
echo "gpu.sh: $(cat "$OUT/device.txt"), size $SIZE" >&2

if [[ "$SIZE" == tiny ]]; then  # a few steps of tiny networks on made-up data the caller names
  export STEPS=4 EVAL_EVERY=2 RESOLUTION=16 SHEET_N=64 POOL=3 DRAWS=2 REAL=32 POSE_N=4 JUDGE_EPOCHS=1
  export TRAIN_SET="--set model.g_width=8 --set model.d_width=8 --set train.batch_size=16 --set train.eval_samples=64"
  export TARGET_STEPS=2 SNAP_EVERY=1 BN_IMAGES=32 CURVE_TRAIN=48 CURVE_TEST=16 PER_CLASS=5 METHODS=dcgan
  T1_SET="--set train.batch_size=8"
else
  [[ "${TESTS:-1}" == 1 ]] && bash scripts/test.sh
  export STEPS=6575 TARGET_STEPS=${TARGET_STEPS:-6000} SNAP_EVERY=600
  T1_SET=""
fi

# faces: the recipe study picks what keeps quality from falling after its best (full size only),
# then judge, train with the best snapshot kept, scored arithmetic, turn axis
if [[ "$SIZE" != tiny ]]; then
  $PY -m studies.faces_recipe --runs "$RUNS/faces_recipe" --out "$OUT/faces_recipe.json"
  TRAIN_SET=$($PY -m studies.faces_recipe --runs "$RUNS/faces_recipe" --out "$OUT/faces_recipe.json" --print-winner)
  export TRAIN_SET
fi
FACES_RUN="$RUNS/faces" RESULTS="$OUT/faces" bash scripts/faces.sh
# Table 1: train with snapshots, the 400-per-class curve over them, the full table on the latest
RUN="$RUNS/table1" RESULTS="$OUT/table1" TRAIN_SET="$T1_SET" bash scripts/table1.sh train
RUN="$RUNS/table1" RESULTS="$OUT/table1" bash scripts/table1.sh curve
RUN="$RUNS/table1" RESULTS="$OUT/table1" bash scripts/table1.sh table
# the trained networks, usable by name (a tiny run publishes into $OUT, not the package)
FOLDER=$([[ "$SIZE" == tiny ]] && echo "--folder $OUT/pretrained" || echo "")
# shellcheck disable=SC2086
$PY -m dcgan.pretrained publish "$RUNS/faces" faces $FOLDER --data "UTKFace + CelebA-10k, 64x64 ($(cat "$OUT/device.txt"))" \
    --quality '{"text": "see results/gpu/faces", "command": "bash scripts/gpu.sh"}' > /dev/null
# shellcheck disable=SC2086
$PY -m dcgan.pretrained publish "$RUNS/table1" table1 $FOLDER --data "Tiny ImageNet 32x32 ($(cat "$OUT/device.txt"))" \
    --quality '{"text": "see results/gpu/table1", "command": "bash scripts/gpu.sh"}' > /dev/null
echo "gpu.sh: wrote $OUT" >&2
