"""The §5 experiment end to end: checkpoint + labelled dataset -> Table 1/2-shaped results.

Data comes through the dataset registry at the checkpoint's resolution and channel count, so a
DCGAN trained on one dataset is evaluated on another by conversion (the paper: trained on
ImageNet-1k, classified CIFAR-10). Every method sees the same validation split and the same
few-label draws; features are computed once per method for the whole training set and indexed.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dcgan import DcganError
from dcgan.core.device import resolve_device
from dcgan.core.layout import checkpoint_file
from dcgan.core.run import open_run
from dcgan.data import open_dataset
from dcgan.data.materialise import materialise
from dcgan.evaluation.classify.baselines import PixelFeatures, random_discriminator
from dcgan.evaluation.classify.cache import FeatureCache
from dcgan.evaluation.classify.cnn import SupervisedCNN, cnn_protocol
from dcgan.evaluation.classify.features import DiscriminatorFeatures
from dcgan.evaluation.classify.kmeans import KMeansFeatures
from dcgan.evaluation.classify.protocol import DEFAULT_C_GRID, order_for_validation, svm_protocol
from dcgan.evaluation.classify.svm import LinearSVM
from dcgan.evaluation.classify.table import Row, grid_edge_choices, write_table
from dcgan.evaluation.features.classifier import sha256_file

METHODS = {
    "dcgan": "DCGAN discriminator + L2-SVM",
    "random": "Random-filter discriminator + L2-SVM",
    "pixels": "Raw pixels + L2-SVM",
    "kmeans": "1-layer K-means (Coates & Ng) + L2-SVM",
    "cnn": "Supervised CNN, same architecture as D",
}


@dataclass
class ClassifySettings:
    checkpoint: str
    data: str = "fashion-mnist"
    data_path: str = ""
    methods: tuple[str, ...] = ("dcgan", "random", "pixels", "kmeans", "cnn")
    labels_per_class: int = 400  # the paper's CIFAR-10 setting; 0 skips the few-label column
    draws: int = 10
    full: bool = True  # also the all-labels column
    c_grid: tuple[float, ...] = DEFAULT_C_GRID
    val_fraction: float = 0.1
    val_max: int = 10_000
    max_train: int = 0  # >0: a seeded random subset of the training set (quick runs)
    max_test: int = 0
    standardize: bool = True
    solver: str = "lbfgs"
    bn_images: int = 0  # images for the BatchNorm population statistics (0: all training images)
    kmeans_k: int = 1600
    kmeans_patches: int = 400_000  # Coates & Ng's kmeans_demo.m: 400,000 patches, 50 iterations
    kmeans_iterations: int = 50
    cnn_max_steps: int = 1000
    cnn_draws: int = 3  # the CNN trains once per draw (minutes each on a CPU): the first draws only
    batch_size: int = 256
    device: str = "auto"
    seed: int = 0
    feature_cache: str = ""  # a folder: extracted features are kept there and reused (cache.py)


def load_labelled(name: str, split: str, resolution: int, channels: int, path: str = "") -> tuple[torch.Tensor, np.ndarray]:
    """All images (uint8 N, C, H, W at the given geometry) and labels of one split, via the registry."""
    images, labels = materialise(open_dataset(name, resolution=resolution, channels=channels, split=split, path=path))
    if (labels < 0).any():
        raise DcganError(f"data '{name}' split '{split}' has unlabelled images: classification needs labels")
    return images, labels.numpy().astype(np.int64)


def _subsample(images, labels, limit: int, seed: int):
    if not limit or limit >= len(labels):
        return images, labels
    idx = np.sort(np.random.default_rng(seed).choice(len(labels), limit, replace=False))
    return images[torch.from_numpy(idx)], labels[idx]


def _transformer(method: str, s: ClassifySettings, discriminator, model_cfg, device: str):
    if method == "dcgan":
        return DiscriminatorFeatures(discriminator, bn_images=s.bn_images, batch_size=s.batch_size, device=device,
                                     seed=s.seed)
    if method == "random":
        return DiscriminatorFeatures(random_discriminator(model_cfg, s.seed), bn_images=s.bn_images,
                                     batch_size=s.batch_size, device=device, seed=s.seed)
    if method == "pixels":
        return PixelFeatures()
    if method == "kmeans":
        return KMeansFeatures(n_centroids=s.kmeans_k, n_patches=s.kmeans_patches, iterations=s.kmeans_iterations,
                              seed=s.seed)
    raise DcganError(f"unknown method '{method}'")


# What the features of each method depend on, beyond the checkpoint, the data and the row order.
_FEATURE_SETTINGS = {
    "dcgan": ("bn_images", "seed"),
    "random": ("bn_images", "seed"),
    "pixels": (),
    "kmeans": ("kmeans_k", "kmeans_patches", "kmeans_iterations", "seed"),
}


def _features(method: str, s: ClassifySettings, discriminator, model_cfg, device: str, images, test_images,
              description: dict[str, Any], cache: FeatureCache | None, log) -> tuple[np.ndarray, np.ndarray, float]:
    """(train features, test features, extraction seconds): from the cache when it has them."""
    if cache is not None:
        description = dict(description, method=method, **{k: getattr(s, k) for k in _FEATURE_SETTINGS[method]})
        if method == "dcgan":  # the trained weights; the others depend on the checkpoint's geometry (and
            # random D on its architecture) only, so they stay cached while training goes on
            description["checkpoint_sha256"] = sha256_file(checkpoint_file(s.checkpoint))
        elif method == "random":
            description["model"] = asdict(model_cfg)
        if (hit := cache.load(description)) is not None:
            X, X_test, info = hit
            log(f"{method}: features from the cache {cache.folder} (extracted in {info['extract_seconds']:.1f}s)")
            return X, X_test, float(info["extract_seconds"])
    start = time.perf_counter()
    transformer = _transformer(method, s, discriminator, model_cfg, device).fit(images)
    X, X_test = transformer.transform(images), transformer.transform(test_images)
    seconds = time.perf_counter() - start
    if cache is not None:
        log(f"{method}: features kept in {cache.save(description, X, X_test, extract_seconds=seconds)}")
    return X, X_test, seconds


def run_classification(s: ClassifySettings, out_dir: str | Path | None = None,
                       log: Callable[[str], None] = lambda _msg: None) -> tuple[list[Row], dict[str, Any]]:
    """Run every method of ``s.methods``; write table.md/table.json into ``out_dir`` when given."""
    unknown = [m for m in s.methods if m not in METHODS]
    if unknown:
        raise DcganError(f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}")
    if s.labels_per_class < 0 or s.draws < 0:
        raise DcganError("--labels-per-class and --draws must be >= 0")
    if s.kmeans_iterations < 1:
        raise DcganError(f"--kmeans-iterations must be >= 1, got {s.kmeans_iterations}")
    if s.bn_images < 0:
        raise DcganError(f"--bn-images must be >= 0 (0: all training images), got {s.bn_images}")
    device = str(resolve_device(s.device))
    run = open_run(s.checkpoint, generator=False, discriminator=True)
    discriminator, cfg = run.discriminator, run.config
    res, ch = cfg.model.resolution, cfg.model.channels
    images, labels = _subsample(*load_labelled(s.data, "train", res, ch, s.data_path), s.max_train, s.seed)
    test_images, test_labels = _subsample(*load_labelled(s.data, "test", res, ch, s.data_path), s.max_test, s.seed + 1)
    order, n_val = order_for_validation(labels, s.val_fraction, s.val_max, s.seed)
    images, labels = images[torch.from_numpy(order)], labels[order]  # validation rows last
    log(f"data {s.data}: {len(labels)} train ({n_val} validation), {len(test_labels)} test, {res}px x {ch}")
    step = run.step
    meta = {
        "checkpoint": str(s.checkpoint), "step": step, "trained_on": cfg.data.name, "data": s.data,
        "resolution": res, "channels": ch, "n_train": len(labels), "n_val": n_val, "n_test": len(test_labels),
        "labels_per_class": s.labels_per_class, "draws": s.draws, "device": device,
        "settings": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(s).items()},
    }

    cache = FeatureCache(s.feature_cache) if s.feature_cache else None
    described = {**{k: getattr(s, k) for k in ("data", "data_path", "max_train", "max_test", "val_fraction", "val_max")},
                 "resolution": res, "channels": ch, "rows_seed": s.seed}

    def make_svm():
        return LinearSVM(standardize=s.standardize, solver=s.solver, device=device, warm_start=True)

    def make_cnn():
        return SupervisedCNN(cfg.model, max_steps=s.cnn_max_steps, device=device, seed=s.seed)

    rows = []
    few = {"labels_per_class": s.labels_per_class, "draws": s.draws, "seed": s.seed, "full": s.full}
    for method in s.methods:
        row = Row(method, METHODS[method])
        if method == "cnn":
            cnn_few = dict(few, draws=min(s.draws, s.cnn_draws))
            result = cnn_protocol(images, labels, test_images, test_labels, n_val, make_cnn, **cnn_few)
        else:
            X, X_test, row.extract_seconds = _features(method, s, discriminator, cfg.model, device, images,
                                                       test_images, described, cache, log)
            row.feature_dim = X.shape[1]
            log(f"{method}: {X.shape[1]} features in {row.extract_seconds:.1f}s")
            result = svm_protocol(X, labels, X_test, test_labels, n_val, make_svm, grid=s.c_grid, **few)
            del X, X_test
            gc.collect()
        row.accuracy, row.C, row.classifier_seconds = result.accuracy, result.C, result.seconds
        row.few_label, row.few_label_C = result.few_label, result.few_label_C
        row.val_scores = {f"{c:g}": v for c, v in result.val_scores.items()}
        log(f"{method}: accuracy {row.accuracy}, few-label {row.few_label_mean} ± {row.few_label_std} "
            f"({result.seconds:.1f}s)")
        if grid_edge_choices([row], s.c_grid):
            log(f"{method}: warning: C chosen at the edge of the grid {list(s.c_grid)}; the optimum may lie outside it")
        rows.append(row)
        if out_dir is not None:  # after every method, so a long run that is stopped keeps its finished rows
            write_table(rows, meta, out_dir)
    return rows, meta
