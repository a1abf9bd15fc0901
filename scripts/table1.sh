#!/usr/bin/env bash
# Table 1 as the paper ran it (§5.1): the Table 1 discriminator (--arch imagenet32: 3x3 kernels,
# 128-128-256-256-512-512, 28,672 pooled features) trained on Tiny ImageNet at 32x32 (the stand-in
# for ImageNet-1k), then its features classify CIFAR-10.
#   bash scripts/table1.sh train    # train (or resume) $RUN to TARGET_STEPS, a snapshot every SNAP_EVERY steps
#   bash scripts/table1.sh curve    # 400-per-class CIFAR-10 accuracy of every snapshot (step 0: random weights)
#   bash scripts/table1.sh table    # the full §5 protocol on CHECKPOINT (default: $RUN's latest)
# MINUTES=50 stops training cleanly after 50 min (train.time_limit); the same command resumes exactly.
# TRAIN_DATA=cifar10 trains the in-domain row instead. The JPEG study of the K-means baseline: studies/table1_jpeg.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
DCGAN=${DCGAN:-.venv/bin/dcgan}
RUN=${RUN:-runs/table1}
RESULTS=${RESULTS:-results/classify_cifar10_table1}
TRAIN_DATA=${TRAIN_DATA:-../shared/datasets/tiny-imagenet-32.zip}
CIFAR=${CIFAR:-../shared/datasets/cifar10-jpg.zip}
TABLE=${TABLE:-$RESULTS/table1_d}
CURVE=${CURVE:-$RESULTS/curve}
TARGET_STEPS=${TARGET_STEPS:-23400}  # 30 epochs of Tiny ImageNet (781 steps each), the paper's epoch count
SNAP_EVERY=${SNAP_EVERY:-600}
SVM=(--bn-images "${BN_IMAGES:-5000}" --draws "${DRAWS:-3}" --c-grid "${C_GRID:-1e-6,1e-5,1e-4,1e-3}" --feature-cache "$RUN/features")
SUBSET=(--no-full --labels-per-class "${PER_CLASS:-400}" --max-train "${CURVE_TRAIN:-10000}" --max-test "${CURVE_TEST:-5000}")
export OMP_NUM_THREADS=${THREADS:-${OMP_NUM_THREADS:-2}}

case "${1:-train}" in
  train)
    if [[ -f "$RUN/checkpoints/latest.pt" ]]; then
      $DCGAN train --no-progress --resume "$RUN" --set train.max_steps="$TARGET_STEPS" --set train.time_limit="${MINUTES:-0}"
    else
      # shellcheck disable=SC2086
      $DCGAN train --no-progress --arch imagenet32 --preset paper --set data.name="$TRAIN_DATA" \
          --set train.max_steps="$TARGET_STEPS" --set train.snapshot_every="$SNAP_EVERY" --set train.eval_every=0 \
          --set train.time_limit="${MINUTES:-0}" --set train.out_dir="$RUN" ${TRAIN_SET:-}
    fi ;;
  curve)  # every snapshot's D; step 0 is the same architecture with random weights
    for snap in "$RUN"/checkpoints/snapshots/step_*.pt; do
      [[ -f "$CURVE/$(basename "$snap" .pt)/table.json" ]] || \
        $DCGAN classify --checkpoint "$snap" --data "$CIFAR" --methods dcgan "${SUBSET[@]}" "${SVM[@]}" --out "$CURVE/$(basename "$snap" .pt)"
    done
    [[ -f "$CURVE/step_000000/table.json" ]] || \
      $DCGAN classify --checkpoint "$snap" --data "$CIFAR" --methods random "${SUBSET[@]}" "${SVM[@]}" --out "$CURVE/step_000000" ;;
  table)  # one method a folder, so a stopped table resumes at the next method
    for method in ${METHODS:-dcgan pixels random}; do
      [[ -f "$TABLE/$method/table.json" ]] || \
        $DCGAN classify --checkpoint "${CHECKPOINT:-$RUN}" --data "$CIFAR" --methods "$method" --labels-per-class "${PER_CLASS:-400}" \
            "${SVM[@]}" --out "$TABLE/$method"
    done ;;
  *) echo "usage: table1.sh train|curve|table" >&2; exit 2 ;;
esac
