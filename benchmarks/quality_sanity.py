"""Sanity of the sample-quality metrics on real Fashion-MNIST, at full size.

    python benchmarks/quality_sanity.py [--n 10000] [--features fashion-cnn|inception]
                                        [--inception-weights PATH] [--out results/quality_sanity.json]

Reference: the test split (n images). "Real" samples: n train images (seeded subset). Checks
(each recorded with pass/fail): the train/test floor is far below test vs uniform-noise images,
blurred and noised train images, one repeated image and a single class; the distance grows
monotonically with noise and with blur; a single class scores lower recall and coverage than
real data; the same seed reproduces the numbers exactly. Prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from dcgan.data import open_dataset
from dcgan.evaluation import perturb
from dcgan.evaluation.features import get_feature_extractor
from dcgan.evaluation.metrics import MetricInputs, compute_metrics
from dcgan.evaluation.reference import load_reference, subset_indices

NOISE = (0.0, 0.02, 0.05, 0.1, 0.2, 0.4)
BLUR = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--features", default="fashion-cnn")
    p.add_argument("--inception-weights")
    p.add_argument("--device", default="cpu")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cache-dir", default="results/cache")
    p.add_argument("--out", default="results/quality_sanity.json")
    args = p.parse_args(argv)
    start = time.perf_counter()
    weights = args.inception_weights if args.features == "inception" else None
    extractor = get_feature_extractor(args.features, device=args.device, weights=weights)
    test = load_reference(extractor, "fashion-mnist", split="test", n=args.n, resolution=32, channels=1,
                          seed=args.seed, cache_dir=args.cache_dir)
    train_set = open_dataset("fashion-mnist", resolution=32, channels=1, split="train")
    index = torch.from_numpy(subset_indices(len(train_set), args.n, seed=args.seed + 1))
    train, labels = train_set.images[index], train_set.labels[index]
    n = len(train)

    def metrics(images: torch.Tensor, names=("fid", "kid", "prdc")) -> dict:
        return compute_metrics(names, MetricInputs(test.features, extractor(images), images, test.images, args.seed))

    rows: dict[str, dict] = {}
    rows["train (floor)"] = metrics(train, ("fid", "kid", "prdc", "nnd"))
    rows["uniform noise images"] = metrics(perturb.uniform_noise_images(n, train, seed=args.seed))
    rows["one repeated image"] = metrics(perturb.repeated_image(train, n))
    rows["one class (7, sneaker)"] = metrics(perturb.one_mode(train, labels, n, label=7, seed=args.seed))
    noise = {s: metrics(perturb.add_noise(train, s, seed=args.seed), ("fid", "kid")) for s in NOISE}
    blur = {s: metrics(perturb.gaussian_blur(train, s), ("fid", "kid")) for s in BLUR}
    for s in NOISE[1:]:
        rows[f"noise sigma {s}"] = noise[s]
    for s in BLUR[1:]:
        rows[f"blur sigma {s}"] = blur[s]
    repeat = metrics(train, ("fid", "kid", "prdc", "nnd"))

    floor = rows["train (floor)"]["fid"]
    checks = {
        "floor_below_uniform_noise_x10": rows["uniform noise images"]["fid"] > 10 * floor,
        "floor_below_repeated_image_x10": rows["one repeated image"]["fid"] > 10 * floor,
        "floor_below_one_class_x10": rows["one class (7, sneaker)"]["fid"] > 10 * floor,
        "floor_below_blur_1.5_x10": rows["blur sigma 1.5"]["fid"] > 10 * floor,
        "floor_below_noise_0.2_x10": rows["noise sigma 0.2"]["fid"] > 10 * floor,
        "fid_monotone_in_noise": bool(np.all(np.diff([noise[s]["fid"] for s in NOISE]) > 0)),
        "fid_monotone_in_blur": bool(np.all(np.diff([blur[s]["fid"] for s in BLUR]) > 0)),
        "kid_monotone_in_noise": bool(np.all(np.diff([noise[s]["kid_mean"] for s in NOISE]) > 0)),
        "kid_monotone_in_blur": bool(np.all(np.diff([blur[s]["kid_mean"] for s in BLUR]) > 0)),
        "one_class_lower_recall": rows["one class (7, sneaker)"]["recall"] < rows["train (floor)"]["recall"],
        "one_class_lower_coverage": rows["one class (7, sneaker)"]["coverage"] < rows["train (floor)"]["coverage"],
        "reproducible_same_seed": repeat == rows["train (floor)"],
    }
    result = {
        "feature_space": extractor.info,
        "reference": test.info,
        "samples_per_set": n,
        "samples": f"train-split subset of {n} (seed {args.seed + 1}), degraded as named",
        "rows": rows,
        "noise_curve": {str(s): noise[s]["fid"] for s in NOISE},
        "blur_curve": {str(s): blur[s]["fid"] for s in BLUR},
        "checks": checks,
        "all_passed": all(checks.values()),
        "seconds": round(time.perf_counter() - start, 1),
    }
    print(f"{'set':28s} {'FD':>10s} {'KID':>10s} {'prec':>6s} {'recall':>6s} {'dens':>6s} {'cover':>6s}")
    for name, r in rows.items():
        pr = "".join(f" {r[k]:6.3f}" if k in r else "       " for k in ("precision", "recall", "density", "coverage"))
        print(f"{name:28s} {r['fid']:10.3f} {r['kid_mean']:10.5f}{pr}")
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out} ({result['seconds']} s)", file=sys.stderr)
    return 0 if result["all_passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
