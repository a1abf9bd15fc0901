"""How fast does ``KMeansFeatures.transform`` encode CIFAR-sized images, by images per batch?

The encoder's cost past its one matrix product is element-wise work on a (B * 729, K) distance
matrix (729 = 27 x 27 patch positions of a 32 px image at rf 6): sqrt, the row mean, the triangle
subtraction, relu and the quadrant sums. At 64 images and K = 1,600 that matrix is 300 MB, so every
pass goes to main memory; a batch of one or two images keeps it near the CPU's caches. This script
times the same centroids on the same seeded images at several batch sizes, in one process, and
prints images/s and the ratio to the first batch size (> 1: faster). The features are checked to
agree across batch sizes.

    python benchmarks/kmeans_encode.py                          # ~2 min on one CPU core
    python benchmarks/kmeans_encode.py --centroids 4000 --batches 64,4,1

Writes ``results/kmeans_encode.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from dcgan.evaluation.classify.kmeans import KMeansFeatures

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--centroids", type=int, default=1600)
    parser.add_argument("--images", type=int, default=256, help="images encoded per batch size")
    parser.add_argument("--batches", default="64,16,4,2,1", help="images per batch; the first is the reference")
    parser.add_argument("--repeats", type=int, default=2, help="timed passes per batch size (best kept)")
    parser.add_argument("--out", default=str(ROOT / "results" / "kmeans_encode.json"))
    args = parser.parse_args(argv)
    g = torch.Generator().manual_seed(0)
    # Smooth random images (upsampled noise), so patches have the structure K-means sees in photos.
    small = torch.randint(0, 256, (args.images, 3, 8, 8), generator=g).float()
    images = torch.nn.functional.interpolate(small, size=32, mode="bilinear").round().to(torch.uint8)
    encoder = KMeansFeatures(n_centroids=args.centroids, n_patches=max(20_000, 4 * args.centroids), iterations=2)
    encoder.fit(images)
    batches = [int(b) for b in args.batches.split(",")]
    rows, reference, first = [], None, None
    for batch in batches:
        encoder.set_params(batch_size=batch)
        encoder.transform(images[: 2 * batch])  # warm-up
        best = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            features = encoder.transform(images)
            best = min(best, time.perf_counter() - start)
        if first is None:
            first = features
        agree = float(np.max(np.abs(features - first)) / max(1e-12, float(np.max(np.abs(first)))))
        rate = args.images / best
        reference = reference or rate
        rows.append({"batch": batch, "images_per_s": rate, "ratio": rate / reference, "max_rel_diff": agree})
        print(f"batch {batch:3d}: {rate:7.1f} images/s  ratio {rate / reference:5.2f}  "
              f"max relative difference to batch {batches[0]}: {agree:.1e}", flush=True)
    record = {"centroids": args.centroids, "images": args.images, "threads": torch.get_num_threads(),
              "omp_num_threads": os.environ.get("OMP_NUM_THREADS", ""),
              "cpu": platform.processor() or platform.machine(), "rows": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(record, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
