#!/usr/bin/env bash
# Figures 7-8 (paper §6.3.2) on 33,702 real faces, measured: the attribute judge, the face model
# (best snapshot kept by the judge's Fréchet distance), the scored arithmetic and the turn axis.
#   bash scripts/faces.sh                       # train (or resume) runs/faces, then measure
#   MINUTES=50 bash scripts/faces.sh            # stop training cleanly after 50 min; the same command resumes
#   TRAIN=0 bash scripts/faces.sh               # measure the run as it is
#   TRAIN_SET="--set train.augment=ada" bash scripts/faces.sh   # any other dcgan train --set options
# Outputs in $RESULTS (results/faces): judge.json, table.md, arithmetic.json, arith_*.png, pose/, walk/, sheet/, samples.png.
set -euo pipefail
cd "$(dirname "$0")/.."
DCGAN=${DCGAN:-.venv/bin/dcgan}
RUN=${FACES_RUN:-runs/faces}
RESULTS=${RESULTS:-results/faces}
UTK=${UTK:-../shared/datasets/utkface-64.zip}
CELEBA=${CELEBA:-../shared/datasets/celeba-10k.zip}
STEPS=${STEPS:-6575}            # 25 epochs of the 33,702 faces at batch 128
EVAL_EVERY=${EVAL_EVERY:-263}   # one epoch
MINUTES=${MINUTES:-0}           # train.time_limit for this call (0: none)
RES=${RESOLUTION:-64}
SHEET_N=${SHEET_N:-512}
for f in "$UTK" "$CELEBA"; do
  [[ -f "$f" ]] || { echo "faces.sh: $f not found (set UTK or CELEBA)" >&2; exit 2; }
done
mkdir -p "$RESULTS"

# 1. the attribute judge on real UTKFace faces (its train split; its test split is held out)
[[ -f "$RUN/judge/judge.pt" ]] || $DCGAN faces judge --data utkface --data-path "$UTK" --out "$RUN/judge" --epochs "${JUDGE_EPOCHS:-4}" \
    --seed 0 ${JUDGE_LIMIT:+--limit "$JUDGE_LIMIT"}
cp "$RUN/judge/judge.json" "$RESULTS/judge.json"

# 2. the face model: UTKFace + CelebA-10k as one dataset, the paper's recipe, scored in the judge's
# space every EVAL_EVERY steps against the held-out faces (checkpoints/best.pt), snapshots kept
if [[ "${TRAIN:-1}" != 0 && ! -f "$RUN/checkpoints/latest.pt" ]]; then
  # shellcheck disable=SC2086
  $DCGAN train --no-progress --set data.name="utkface:$UTK,$CELEBA" --set data.split=all \
      --set model.resolution="$RES" --set model.channels=3 --set train.max_steps="$STEPS" \
      --set train.eval_every="$EVAL_EVERY" --set train.snapshot_every="$EVAL_EVERY" \
      --set train.eval_features=face-judge --set train.eval_weights="$RUN/judge/judge.pt" \
      --set train.eval_reference="utkface:$UTK" --set train.time_limit="$MINUTES" \
      --set train.out_dir="$RUN" ${TRAIN_SET:-}
elif [[ "${TRAIN:-1}" != 0 ]]; then
  $DCGAN train --no-progress --resume "$RUN" --set train.time_limit="$MINUTES"
fi
[[ -f "$RUN/checkpoints/latest.pt" ]] || { echo "faces.sh: no checkpoint in $RUN" >&2; exit 2; }

# 3. what follows uses $RUN's best snapshot (dcgan says which on stderr)
$DCGAN faces score --checkpoint "$RUN" --judge "$RUN/judge" --out "$RESULTS" --sheet-seed 0 --sheet-n "$SHEET_N" \
    --pool "${POOL:-12}" --draws "${DRAWS:-50}" --seed 0
$DCGAN faces pose --checkpoint "$RUN" --judge "$RUN/judge" --out "$RESULTS/pose" --data "utkface:$UTK" \
    --real "${REAL:-4000}" --sheet-seed 0 --sheet-n "$SHEET_N" --k 4 --n "${POSE_N:-32}" --steps 9 --extent 1.5 --seed 1
$DCGAN explore walk --checkpoint "$RUN" --seeds 0 --points 9 --steps 8 --out "$RESULTS/walk"
$DCGAN explore sheet --checkpoint "$RUN" --seed 0 --n "$SHEET_N" --nrow 32 --no-template --out "$RESULTS/sheet"
$DCGAN sample --checkpoint "$RUN" --n 64 --seed 0 --grid "$RESULTS/samples.png" --out "$RESULTS/samples.npz"
echo "faces.sh: wrote $RESULTS from $RUN's best snapshot" >&2
