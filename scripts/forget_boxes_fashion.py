"""Boxes for the §6.3.1 forgetting demo on Fashion-MNIST, made by a stated rule, not by hand.

The paper drew 52 window boxes by hand on 150 LSUN samples. Fashion-MNIST has no windows; the
object to forget here is *long sleeves*. The boxes are made automatically, and are crude:

1. Draw the numbered sheet (seed ``--sheet-seed``, ``--n`` samples: exactly ``dcgan explore sheet``).
2. Label each sample by a 5-nearest-neighbour vote among the Fashion-MNIST training images in
   pixel space (at the model's resolution). Pixel kNN is right for roughly 85% of real test
   images, so some labels on samples are wrong; they are written into the file for inspection.
3. For samples labelled Pullover, Coat or Shirt (the long-sleeved classes), threshold the sample
   at ``--threshold`` (grey level, 0-255) and take the bounding box of the bright pixels (the
   garment). Its sleeves are taken to be the outer ``--sleeve-fraction`` of that box on each
   side, below its top ``--shoulder-fraction`` (the shoulders): two boxes per sample.
4. Every other sample gets an empty list: it contributes negatives only.

Usage (after training a Fashion-MNIST model into RUN)::

    python scripts/forget_boxes_fashion.py --checkpoint RUN --sheet-seed 100 --n 150 --out boxes_sleeves.json
    dcgan explore forget --checkpoint RUN --boxes boxes_sleeves.json --seed 1 --n 32

The sheet with the boxes drawn on it is written beside the JSON (``*_overlay.png``) so anyone can
see what the rule picked.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from dcgan.core.run import open_run
from dcgan.data import open_dataset
from dcgan.evaluation.neighbours import nearest, pixel_space
from dcgan.experiments.common import display_scale, draw_boxes, grid_array, save_image
from dcgan.experiments.sheets import sheet_z
from dcgan.sampling import generate

LONG_SLEEVES = {"Pullover", "Coat", "Shirt"}


def knn_labels(samples: torch.Tensor, train: torch.Tensor, train_labels: torch.Tensor, k: int = 5) -> list[int]:
    pixels = pixel_space().embed  # the memorisation check's pixel space, [0, 1]
    _, idx = nearest(pixels(samples), pixels(train), k)
    votes = train_labels[idx]
    return [int(torch.bincount(v, minlength=10).argmax()) for v in votes]


def sleeve_boxes(image: np.ndarray, threshold: int, sleeve_fraction: float, shoulder_fraction: float) -> list[list[int]]:
    """image (H, W) uint8 -> two boxes [x0, y0, x1, y1] over the garment's outer columns."""
    ys, xs = np.nonzero(image > threshold)
    if len(xs) == 0:
        return []
    x0, x1, y0, y1 = int(xs.min()), int(xs.max()) + 1, int(ys.min()), int(ys.max()) + 1
    band = max(1, int(round((x1 - x0) * sleeve_fraction)))
    top = y0 + int(round((y1 - y0) * shoulder_fraction))
    if top >= y1:
        return []
    return [[x0, top, x0 + band, y1], [x1 - band, top, x1, y1]]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--sheet-seed", type=int, default=100)
    p.add_argument("--n", type=int, default=150, help="samples on the sheet (paper: 150)")
    p.add_argument("--out", required=True, help="boxes JSON to write")
    p.add_argument("--data-path", default="", help="Fashion-MNIST folder (default: the registry's)")
    p.add_argument("--threshold", type=int, default=40)
    p.add_argument("--sleeve-fraction", type=float, default=0.22)
    p.add_argument("--shoulder-fraction", type=float, default=0.2)
    args = p.parse_args(argv)

    nets = open_run(args.checkpoint)
    m = nets.config.model
    samples = generate(nets.generator, sheet_z(args.sheet_seed, args.n, m.z_dim, m.z_dist))
    train = open_dataset("fashion-mnist", resolution=m.resolution, channels=m.channels, split="train",
                         path=args.data_path)
    labels = knn_labels(samples, train.images, train.labels.long())
    names = train.class_names
    boxes, label_names = {}, {}
    for i, label in enumerate(labels):
        label_names[str(i)] = names[label]
        grey = samples[i].float().mean(0).round().to(torch.uint8).numpy()
        boxes[str(i)] = (sleeve_boxes(grey, args.threshold, args.sleeve_fraction, args.shoulder_fraction)
                         if names[label] in LONG_SLEEVES else [])
    spec = {
        "about": ("Long-sleeve boxes made automatically by scripts/forget_boxes_fashion.py: samples labelled "
                  "Pullover/Coat/Shirt by a 5-NN pixel-space vote among Fashion-MNIST training images get two "
                  f"boxes, the outer {args.sleeve_fraction:.0%} of the bounding box of pixels > {args.threshold} "
                  f"on each side, below its top {args.shoulder_fraction:.0%}; other samples get none (negatives "
                  "only). Crude by design; see the overlay PNG."),
        "sheet": {"seed": args.sheet_seed, "n": args.n},
        "resolution": m.resolution,
        "knn_labels": label_names,
        "boxes": boxes,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(spec, indent=1) + "\n")
    scale = display_scale(m.resolution)
    overlay = draw_boxes(samples, [boxes[str(i)] for i in range(args.n)], scale)
    save_image(grid_array(overlay, nrow=15 if args.n >= 15 else args.n), out.with_name(out.stem + "_overlay.png"))
    boxed = sum(1 for b in boxes.values() if b)
    print(f"wrote {out}: {boxed} of {args.n} samples boxed ({2 * boxed} boxes); overlay {out.stem}_overlay.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
