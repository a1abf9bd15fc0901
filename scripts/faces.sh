#!/usr/bin/env bash
# Figures 7-8 (paper §6.3.2) on 33,702 real faces, measured: one command for the face model, the
# attribute judge, the scored vector arithmetic, the checked turn axis and the figures.
#
#   bash scripts/faces.sh                  # train (or resume) runs/faces, then everything else
#   TRAIN=0 bash scripts/faces.sh          # use the checkpoint as it is
#   FACES_RUN=/tmp/x EPOCHS=1 bash scripts/faces.sh
#   EPOCHS=25 TRAIN_ONLY=1 bash scripts/faces.sh    # only the training (per-epoch snapshots)
#   DEADLINE=$(date -d 20:15 +%s) EPOCHS=25 TRAIN_ONLY=1 bash scripts/faces.sh   # stop before 20:15
#
# Training: UTKFace (23,702, labelled) + CelebA-10k (10,000, unlabelled) as one dataset, 64x64 RGB,
# the paper's recipe (pytorch preset), EPOCHS epochs (default 25: about 2 h on a 2-core avx512_bf16 CPU in bf16); skipped when TRAIN=0 or when
# the checkpoint already holds EPOCHS epochs; otherwise resumed with --resume (exact).
# DEADLINE (unix seconds, 0 = none): no epoch is started that the last one's duration says would
# end after it, so a session's training stops cleanly at an epoch boundary; the same command
# continues it later (in a later session too, if the run folder is still there).
# Outputs: $RESULTS (default results/faces): quality.json + quality.png, arithmetic.json, arithmetic_images.npz,
# table.md, arith_*.png, pools.png, judge.json, pose/ (pose.json, axis figures), walk/, sheet/, samples.png; the judge checkpoint in $FACES_RUN/judge/.
set -euo pipefail
cd "$(dirname "$0")/.."
DCGAN=${DCGAN:-.venv/bin/dcgan}
PY=${PY:-.venv/bin/python}
FACES_RUN=${FACES_RUN:-runs/faces}
RESULTS=${RESULTS:-results/faces}
DATASETS=${DATASETS:-../shared/datasets}
UTK=${UTK:-$DATASETS/utkface-64.zip}
CELEBA=${CELEBA:-$DATASETS/celeba-10k.zip}
EPOCHS=${EPOCHS:-25}
DEADLINE=${DEADLINE:-0}
JUDGE_EPOCHS=${JUDGE_EPOCHS:-4}
DRAWS=${DRAWS:-50}
SHEET_N=${SHEET_N:-512}
if (( DEADLINE > 0 && DEADLINE <= $(date +%s) )); then
  # `date -d 01:30` means today's 01:30: before midnight that is in the past
  echo "faces.sh: DEADLINE=$DEADLINE ($(date -d "@$DEADLINE")) is already past; after midnight use date -d 'tomorrow HH:MM'" >&2
  exit 2
fi
TRAIN_EXTRA=${TRAIN_EXTRA:---set train.channels_last=true}

# `dcgan faces` once it is listed in dcgan.cli.COMMANDS; the module directly until then
if $DCGAN faces --help >/dev/null 2>&1; then FACES=($DCGAN faces); else FACES=($PY -m dcgan.cli.faces); fi

for f in "$UTK" "$CELEBA"; do
  [[ -f "$f" ]] || { echo "faces.sh: $f not found (set DATASETS, UTK or CELEBA)" >&2; exit 2; }
done
mkdir -p "$RESULTS"

# 1. the face model
# One epoch at a time (resume is exact), keeping each epoch's checkpoint in $FACES_RUN/snapshots/
# for the quality-over-training table (step 3); epochs already snapshotted are skipped.
if [[ "${TRAIN:-1}" != 0 ]]; then
  epoch_seconds=0
  for ((E = 1; E <= EPOCHS; E++)); do
    snap="$FACES_RUN/snapshots/epoch_$(printf %03d "$E").pt"
    [[ -f "$snap" ]] && continue
    if (( DEADLINE > 0 && $(date +%s) + epoch_seconds >= DEADLINE )); then
      echo "faces.sh: stopping before epoch $E: it would end after DEADLINE; the same command continues"
      [[ "${TRAIN_ONLY:-0}" == 1 ]] && exit 0
      break
    fi
    started=$(date +%s)
    if [[ ! -f "$FACES_RUN/checkpoints/latest.pt" ]]; then
      # shellcheck disable=SC2086
      time $DCGAN train --set data.name="utkface:$UTK,$CELEBA" --set data.split=all \
          --set model.resolution=64 --set model.channels=3 --set train.epochs="$E" \
          --set train.out_dir="$FACES_RUN" --no-progress $TRAIN_EXTRA
    else
      # shellcheck disable=SC2086
      time $DCGAN train --resume "$FACES_RUN" --set train.epochs="$E" --no-progress $TRAIN_EXTRA
    fi
    mkdir -p "$FACES_RUN/snapshots" && cp "$FACES_RUN/checkpoints/latest.pt" "$snap"
    epoch_seconds=$(( $(date +%s) - started ))
  done
fi
[[ -f "$FACES_RUN/checkpoints/latest.pt" ]] || { echo "faces.sh: no checkpoint in $FACES_RUN" >&2; exit 2; }
[[ "${TRAIN_ONLY:-0}" == 1 ]] && { echo "faces.sh: trained $FACES_RUN to $EPOCHS epochs (TRAIN_ONLY=1)"; exit 0; }

# 2. the attribute judge on real UTKFace faces (train split; held-out: the reader's fixed test split)
if [[ ! -f "$FACES_RUN/judge/judge.pt" ]]; then
  time "${FACES[@]}" judge --data utkface --data-path "$UTK" --out "$FACES_RUN/judge" --epochs "$JUDGE_EPOCHS" --seed 0
fi
cp "$FACES_RUN/judge/judge.json" "$RESULTS/judge.json"

# 3. sample quality over training (per-epoch snapshots in $FACES_RUN/snapshots, when there are any),
# and the checkpoint the rest is measured on: CHECKPOINT if set, else the snapshot of the lowest
# Fréchet distance in the judge's space (quality.json's "best"), else the run's latest checkpoint
if compgen -G "$FACES_RUN/snapshots/epoch_*.pt" >/dev/null; then
  $PY benchmarks/faces_quality.py --run "$FACES_RUN" --out "$RESULTS/quality.json"
  best=$($PY -c "import json, sys; b = json.load(open(sys.argv[1])).get('best'); print(b['checkpoint'] if b else '')" "$RESULTS/quality.json")
fi
CHECKPOINT=${CHECKPOINT:-${best:-$FACES_RUN}}
echo "faces.sh: measuring $CHECKPOINT"

# 4. scored arithmetic: mean3 / single / pixel / random, two expressions (age, gender);
# every scored image in $RESULTS/arithmetic_images.npz
time "${FACES[@]}" score --checkpoint "$CHECKPOINT" --judge "$FACES_RUN/judge" --out "$RESULTS" \
    --sheet-seed 0 --sheet-n "$SHEET_N" --pool 12 --draws "$DRAWS" --seed 0

# 5. the turn axis from the mirror-image pose proxy, checked with the judge
time "${FACES[@]}" pose --checkpoint "$CHECKPOINT" --judge "$FACES_RUN/judge" --out "$RESULTS/pose" \
    --data "utkface:$UTK" --real 4000 --sheet-seed 0 --sheet-n "$SHEET_N" --k 4 --n 32 --steps 9 --extent 1.5 --seed 1

# 6. a walk (Fig. 4), the numbered sheet the exemplars come from (tokens SEED:INDEX with --sheet-n $SHEET_N)
# and 64 samples of the measured checkpoint
$DCGAN explore walk --checkpoint "$CHECKPOINT" --seeds 0 --points 9 --steps 8 --out "$RESULTS/walk"
$DCGAN explore sheet --checkpoint "$CHECKPOINT" --seed 0 --n "$SHEET_N" --nrow 32 --no-template --out "$RESULTS/sheet"
$DCGAN sample --checkpoint "$CHECKPOINT" --n 64 --seed 0 --grid "$RESULTS/samples.png" --out "$RESULTS/samples.npz"
echo "faces.sh: wrote $RESULTS (table.md, arithmetic.json, arithmetic_images.npz, judge.json, quality.json, arith_*.png, pose/, walk/, sheet/, samples.png) from $CHECKPOINT"
