"""How fast does the L2-SVM fit at the Table 1 model's 28,672 features, with and without the
low-rank preconditioner? Passes over the data, seconds and the objective reached, one C at a time.

Features: the Table 1 architecture's discriminator (``--arch imagenet32``, the paper preset, the
seeded random weights of ``classify``'s random-D row) on a seeded subset of CIFAR-10 from
``--shared``, max-pooled to 4x4 per layer as in §5; without ``--shared`` data a factor model of the
same width stands in (columns driven by a few shared factors, as pooled conv activations are).
Each C is fitted by ``LinearSVM`` with ``precondition="lowrank"`` and with none, from the same
prepared matrix, interleaved; the ratio column is none / low-rank seconds (> 1: the preconditioner
wins). The low-rank spectrum is computed once per matrix and its time is reported separately.

    python benchmarks/svm_solver.py                       # ~6 min on one CPU core
    python benchmarks/svm_solver.py --images 10000 --C 1e-5,1e-4,1e-3

Writes ``results/svm_solver.json`` and prints a table.
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

from dcgan.config import resolve_config
from dcgan.evaluation.classify.baselines import random_discriminator
from dcgan.evaluation.classify.experiment import load_labelled
from dcgan.evaluation.classify.features import DiscriminatorFeatures
from dcgan.evaluation.classify.svm import LinearSVM, one_vs_rest_targets, primal_objective

ROOT = Path(__file__).resolve().parents[1]


def table1_features(cifar: Path, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    cfg = resolve_config(None, {"preset": "paper", "model.arch": "imagenet32"})
    images, labels = load_labelled(str(cifar), "train", 32, 3)
    # Random order, not sorted: the zip lists images class by class, and the fitted three quarters
    # must hold every class.
    index = np.random.default_rng(seed).choice(len(labels), n, replace=False)
    images, labels = images[torch.from_numpy(index)], labels[index]
    extractor = DiscriminatorFeatures(random_discriminator(cfg.model, seed), bn_images=min(n, 2000), device="cpu")
    return extractor.fit(images).transform(images), labels, f"random Table 1 D on {n} CIFAR-10 images"


def factor_features(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    rng = np.random.default_rng(seed)
    hidden = rng.normal(size=(n, 64)).astype(np.float32)
    X = np.abs(hidden @ rng.normal(size=(64, d)).astype(np.float32) + rng.normal(size=(n, d)).astype(np.float32))
    y = np.argmax(hidden[:, :10] + rng.normal(0, 1, (n, 10)), 1)
    return X, y, f"factor model, {n} x {d}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "datasets"))
    parser.add_argument("--images", type=int, default=4000, help="feature rows (three quarters fitted, the rest scored)")
    parser.add_argument("--C", default="1e-5,1e-4,1e-3")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(ROOT / "results" / "svm_solver.json"))
    args = parser.parse_args(argv)
    cifar = Path(args.shared) / "cifar10-jpg.zip"
    X, y, source = table1_features(cifar, args.images, args.seed) if cifar.is_file() else \
        factor_features(args.images, 28_672, args.seed)
    n_fit = len(y) * 3 // 4
    print(f"features: {source}: {X.shape[1]} columns, {n_fit} fitted, {len(y) - n_fit} scored; "
          f"torch threads {torch.get_num_threads()}")
    results = []
    prepared = LinearSVM().prepare(X[:n_fit])
    start = time.perf_counter()
    prepared.spectrum(8192, 256)  # what every low-rank fit of this matrix shares
    spectrum_seconds = time.perf_counter() - start
    targets = one_vs_rest_targets(y[:n_fit], np.unique(y))
    for C in (float(c) for c in args.C.split(",")):
        row = {"C": C}
        for kind in ("lowrank", False):
            model = LinearSVM(C=C, precondition=kind)
            start = time.perf_counter()
            model.fit(prepared, y[:n_fit])
            name = "lowrank" if kind else "none"
            row[name] = {"seconds": time.perf_counter() - start, "passes": model.n_evals_,
                         "objective": primal_objective(X[:n_fit], targets, model.coef_, model.intercept_, C,
                                                       model.mean_, model.scale_),
                         "held_out_accuracy": float(np.mean(model.predict(X[n_fit:]) == y[n_fit:]))}
        row["ratio"] = row["none"]["seconds"] / row["lowrank"]["seconds"]
        results.append(row)
        print(f"C={C:g}: low-rank {row['lowrank']['passes']} passes {row['lowrank']['seconds']:.1f}s "
              f"(objective {row['lowrank']['objective']:.6g}, held-out {row['lowrank']['held_out_accuracy']:.3f}) | "
              f"none {row['none']['passes']} passes {row['none']['seconds']:.1f}s "
              f"(objective {row['none']['objective']:.6g}, held-out {row['none']['held_out_accuracy']:.3f}) | "
              f"ratio {row['ratio']:.2f}", flush=True)
    print(f"low-rank spectrum (rank 256 of 8192 rows), once per matrix: {spectrum_seconds:.1f}s")
    record = {"source": source, "shape": list(X.shape), "n_fit": n_fit, "spectrum_seconds": spectrum_seconds,
              "threads": torch.get_num_threads(), "cpu": platform.processor() or platform.machine(),
              "omp_num_threads": os.environ.get("OMP_NUM_THREADS", ""), "results": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(record, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
