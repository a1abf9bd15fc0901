#!/usr/bin/env bash
# How much one more JPEG generation of our CIFAR-10 copy's own encoding costs the Table 1 D's
# features and raw pixels (the K-means study's regrid75 images, scripts/kmeans_cifar10.py);
# docs/representations.md quotes it.
#   bash studies/table1_jpeg.sh random    # random Table 1 D and pixels, all labels, copy vs regrid75
#   bash studies/table1_jpeg.sh trained   # $RUN's trained D on the regrid75 images (on the copy: table1.sh table)
set -euo pipefail
cd "$(dirname "$0")/.."
DCGAN=${DCGAN:-.venv/bin/dcgan}
RUN=${RUN:-runs/table1}
OUT=${OUT:-results/classify_cifar10_table1/jpeg_regrid75}
CIFAR=${CIFAR:-../shared/datasets/cifar10-jpg.zip}
TINY=${TINY:-../shared/datasets/tiny-imagenet-32.zip}
IMAGES="$RUN/cifar10-regrid75.zip"
GRID=(--labels-per-class 0 --bn-images "${BN_IMAGES:-5000}" --c-grid "${C_GRID:-1e-6,1e-5,1e-4,1e-3}")
[[ -f "$IMAGES" ]] || .venv/bin/python scripts/kmeans_cifar10.py --data "$CIFAR" --export regrid75 --to "$IMAGES"

case "${1:-random}" in
  random)
    # the architecture's config for its random D (seed 0): one step of training
    [[ -f "${RUN}_init/checkpoints/latest.pt" ]] || $DCGAN train --no-progress --arch imagenet32 --preset paper \
        --set data.name="$TINY" --set train.max_steps=1 --set train.eval_every=0 --set train.out_dir="${RUN}_init"
    for data in copy regrid75; do
      path="$CIFAR"; [[ $data == regrid75 ]] && path="$IMAGES"
      [[ -f "$OUT/$data/table.json" ]] || \
        $DCGAN classify --checkpoint "${RUN}_init" --data "$path" --methods random,pixels "${GRID[@]}" --out "$OUT/$data"
    done ;;
  trained)
    [[ -f "$OUT/trained_regrid75/table.json" ]] || \
      $DCGAN classify --checkpoint "$RUN" --data "$IMAGES" --methods dcgan "${GRID[@]}" --out "$OUT/trained_regrid75" ;;
  *) echo "usage: table1_jpeg.sh random|trained" >&2; exit 2 ;;
esac
