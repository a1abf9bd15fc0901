#!/usr/bin/env bash
# The paper's §6 figures ("Inside the networks") from trained checkpoints, with dcgan explore.
#
#   scripts/experiments_demo.sh fashion   # Fashion-MNIST: walks, guided backprop, neighbours, forgetting
#   scripts/experiments_demo.sh faces     # CelebA 10k at 64x64: sheet, walks; arithmetic/axis once exemplars are picked
#
# Trainings are not started here unless TRAIN=1 (they take long on a CPU: Fashion-MNIST 5 epochs,
# 32 px, is ~2,350 steps; the faces model is 64 px RGB). Set FASHION_RUN / FACES_RUN to existing runs.
# Every command is seeded: rerunning gives the same pictures. Outputs: RUN/experiments/<name>/.
set -euo pipefail
cd "$(dirname "$0")/.."
DCGAN=${DCGAN:-.venv/bin/dcgan}
PY=${PY:-.venv/bin/python}
FASHION_RUN=${FASHION_RUN:-runs/fashion-mnist-demo}
FACES_RUN=${FACES_RUN:-runs/celeba-demo}
FACES_ZIP=${FACES_ZIP:-../shared/datasets/celeba-10k.zip}

fashion() {
  if [[ "${TRAIN:-0}" == 1 ]]; then
    $DCGAN train --set data.name=fashion-mnist --set train.epochs=5 --set train.out_dir="$FASHION_RUN"
  fi
  # numbered sheet (+ boxes template) — the same images as `dcgan sample --seed 0 --n 64`
  $DCGAN explore sheet --checkpoint "$FASHION_RUN" --seed 0 --n 64
  # Fig. 4: walks through 9 random points, linear and spherical, 4 walks
  $DCGAN explore walk --checkpoint "$FASHION_RUN" --seeds 0-3 --points 9 --steps 8
  # Fig. 5: guided backprop of the top-6 last-layer features, trained vs random D; first-layer filters
  $DCGAN explore guided --checkpoint "$FASHION_RUN" --images 2048 --k 6 --per-channel 4
  # memorisation check: nearest training images in pixel and D-feature space (+ held-out baseline)
  $DCGAN explore neighbours --checkpoint "$FASHION_RUN" --n 8 --k 5
  # §6.3.1 / Fig. 6: forget long sleeves. Boxes are made by a stated rule (see the script's docstring):
  # 5-NN pixel labels -> Pullover/Coat/Shirt samples -> outer 22% of the garment box on each side.
  $PY scripts/forget_boxes_fashion.py --checkpoint "$FASHION_RUN" --sheet-seed 100 --n 150 \
      --out "$FASHION_RUN/experiments/forget/boxes_sleeves.json"
  $DCGAN explore forget --checkpoint "$FASHION_RUN" --boxes "$FASHION_RUN/experiments/forget/boxes_sleeves.json" \
      --seed 1 --n 32
  # Fig. 7 / 8 on Fashion-MNIST, with exemplars read off the seed-0 sheet (edit the indices after looking
  # at RUN/experiments/sheet/sheet.png; these defaults are placeholders, not curated picks):
  $DCGAN explore arith --checkpoint "$FASHION_RUN" --sheet-seed 0 \
      --concept A="${FASHION_A:-0,1,2}" --concept B="${FASHION_B:-3,4,5}" --concept C="${FASHION_C:-6,7,8}" \
      --expr "A - B + C"
  $DCGAN explore axis --checkpoint "$FASHION_RUN" --sheet-seed 0 \
      --set-a "${FASHION_AXIS_A:-0,1,2}" --set-b "${FASHION_AXIS_B:-3,4,5}" --n 8 --steps 9
}

faces() {
  if [[ "${TRAIN:-0}" == 1 ]]; then
    $DCGAN train --set data.name=celeba --set data.path="$FACES_ZIP" --set model.resolution=64 \
        --set model.channels=3 --set train.epochs=25 --set train.out_dir="$FACES_RUN"
  fi
  $DCGAN explore sheet --checkpoint "$FACES_RUN" --seed 0 --n 64
  $DCGAN explore walk --checkpoint "$FACES_RUN" --seeds 0-3 --points 9 --steps 8
  $DCGAN explore neighbours --checkpoint "$FACES_RUN" --n 8 --k 5 --reference-split ''
  # Fig. 7 needs three exemplars per concept picked by eye from sheet.png (CelebA here has no attribute
  # labels). Give them as sheet indices, e.g.
  #   SMILING_WOMAN=12,30,41 NEUTRAL_WOMAN=3,9,50 NEUTRAL_MAN=7,22,61 scripts/experiments_demo.sh faces
  if [[ -n "${SMILING_WOMAN:-}" && -n "${NEUTRAL_WOMAN:-}" && -n "${NEUTRAL_MAN:-}" ]]; then
    $DCGAN explore arith --checkpoint "$FACES_RUN" --sheet-seed 0 --out "$FACES_RUN/experiments/arith-smile" \
        --concept SW="$SMILING_WOMAN" --concept NW="$NEUTRAL_WOMAN" --concept NM="$NEUTRAL_MAN" --expr "SW - NW + NM"
  else
    echo "faces: set SMILING_WOMAN, NEUTRAL_WOMAN, NEUTRAL_MAN (sheet indices) for the arithmetic figure" >&2
  fi
  if [[ -n "${GLASSES_MAN:-}" && -n "${PLAIN_MAN:-}" && -n "${PLAIN_WOMAN:-}" ]]; then
    $DCGAN explore arith --checkpoint "$FACES_RUN" --sheet-seed 0 --out "$FACES_RUN/experiments/arith-glasses" \
        --concept GM="$GLASSES_MAN" --concept M="$PLAIN_MAN" --concept W="$PLAIN_WOMAN" --expr "GM - M + W"
  fi
  # Fig. 8: a turn axis from faces looking right (A) vs left (B), four each in the paper.
  if [[ -n "${LOOKING_RIGHT:-}" && -n "${LOOKING_LEFT:-}" ]]; then
    $DCGAN explore axis --checkpoint "$FACES_RUN" --sheet-seed 0 --set-a "$LOOKING_RIGHT" --set-b "$LOOKING_LEFT" \
        --n 8 --steps 9 --extent 1.5
  else
    echo "faces: set LOOKING_RIGHT and LOOKING_LEFT (sheet indices) for the turn axis" >&2
  fi
  $DCGAN explore guided --checkpoint "$FACES_RUN" --images 2048 --k 6 --per-channel 4
}

keep() {  # RESULTS=DIR: copy each experiment's summary.json there (what the pages quote)
  [[ -n "${RESULTS:-}" ]] || return 0
  for d in "$1"/experiments/*/; do
    [[ -f "$d/summary.json" ]] && mkdir -p "$RESULTS/$(basename "$d")" && cp "$d/summary.json" "$RESULTS/$(basename "$d")/"
  done
}

case "${1:-fashion}" in
  fashion) fashion; keep "$FASHION_RUN" ;;
  faces) faces ;;
  all) fashion; faces ;;
  *) echo "usage: $0 [fashion|faces|all]" >&2; exit 2 ;;
esac
