"""Evaluate samples (a ``.npz`` or a checkpoint) against real data: the library behind
``dcgan evaluate``. Every result names its feature space, reference set and sample count.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from dcgan import DcganError, __version__
from dcgan.core.run import load_generator
from dcgan.evaluation.features import default_feature_space, get_feature_extractor
from dcgan.evaluation.metrics import MetricInputs, compute_metrics
from dcgan.evaluation.neighbours import extractor_space, memorisation_check, neighbours_figure, pixel_space
from dcgan.evaluation.reference import load_reference
from dcgan.sampling import class_labels, generate, seeded_z

DEFAULT_METRICS = ("fid", "kid", "prdc", "nnd")
NEIGHBOURS_K = 4  # nearest training images shown per sample and space in --neighbours


def load_npz_images(path: str | Path) -> torch.Tensor:
    """``.npz`` with uint8 images under ``arr_0`` (NHWC, as ``dcgan sample``; NHW and NCHW also accepted)."""
    path = Path(path)
    if not path.is_file():
        raise DcganError(f"samples file '{path}' does not exist")
    try:
        with np.load(path, allow_pickle=False) as z:
            if not isinstance(z, np.lib.npyio.NpzFile):
                raise DcganError(f"samples file '{path}' is a single .npy array, not an .npz (np.savez)")
            key = "arr_0" if "arr_0" in z.files else (z.files[0] if z.files else None)
            if key is None:
                raise DcganError(f"samples file '{path}' holds no arrays")
            arr = z[key]
            if not isinstance(arr, np.ndarray):  # a zip member that is not a .npy array
                raise DcganError(f"samples file '{path}': '{key}' is not a numpy array (is it a zip of other files?)")
    except DcganError:
        raise
    except Exception as exc:  # noqa: BLE001 - not an npz, truncated...
        raise DcganError(f"samples file '{path}' could not be read as .npz: {exc}") from None
    if arr.dtype != np.uint8:
        raise DcganError(f"samples file '{path}': images must be uint8 in [0, 255], got {arr.dtype}")
    if arr.ndim == 3:
        arr = arr[:, :, :, None]
    if arr.ndim != 4:
        raise DcganError(f"samples file '{path}': expected images (N, H, W, C), got shape {arr.shape}")
    if arr.shape[-1] not in (1, 3) and arr.shape[1] in (1, 3):
        arr = arr.transpose(0, 2, 3, 1)  # NCHW -> NHWC
    if arr.shape[-1] not in (1, 3) or arr.shape[1] != arr.shape[2]:
        raise DcganError(f"samples file '{path}': expected square grey/RGB images NHWC, got shape {arr.shape}")
    return torch.from_numpy(np.ascontiguousarray(arr)).permute(0, 3, 1, 2).contiguous()


def evaluate_samples(
    samples: torch.Tensor,
    *,
    reference: str = "fashion-mnist",
    reference_path: str = "",
    split: str | None = None,
    n_reference: int = 10000,
    features: str = "auto",
    feature_weights: str | None = None,
    device: str = "cpu",
    metrics: tuple[str, ...] = DEFAULT_METRICS,
    seed: int = 0,
    cache_dir: str | Path | None = None,
    neighbours_png: str | Path | None = None,
    neighbours_count: int = 16,
    neighbours_pool: int = 0,
) -> dict:
    """Metrics of uint8 ``samples`` (N, C, H, W) against ``reference`` (split ``test`` when it has one)."""
    if samples.dtype != torch.uint8 or samples.dim() != 4 or samples.shape[1] not in (1, 3):
        raise DcganError(f"samples must be uint8 (N, 1|3, H, W), got {samples.dtype} {tuple(samples.shape)}")
    if len(samples) < 10:
        raise DcganError(f"need at least 10 samples, got {len(samples)}")
    channels, resolution = samples.shape[1], samples.shape[2]
    space = default_feature_space(channels) if features == "auto" else features
    extractor = get_feature_extractor(space, device=device, weights=feature_weights)

    def reference_set(split_name: str, count: int):
        return load_reference(extractor, reference, split=split_name, n=count, resolution=resolution,
                              channels=channels, path=reference_path, seed=seed, cache_dir=cache_dir)

    if split is None:
        try:
            ref = reference_set("test", n_reference)
        except DcganError as exc:
            print(f"note: no test split ({exc}); using the train split as reference", file=sys.stderr)
            ref = reference_set("train", n_reference)
    else:
        ref = reference_set(split, n_reference)
    fake = extractor(samples)
    values = compute_metrics(metrics, MetricInputs(ref.features, fake, samples, ref.images, seed))
    result = {
        "feature_space": extractor.info,
        "reference": ref.info,
        "samples": {"count": len(samples), "resolution": resolution, "channels": channels},
        "metrics": values,
        "seed": seed,
        "dcgan_version": __version__,
    }
    if neighbours_png:
        pool = reference_set("train", neighbours_pool)
        shown = samples[:neighbours_count]
        spaces = [pixel_space(), extractor_space(extractor, fake[:neighbours_count], pool.features)]
        found = memorisation_check(shown, pool.images, spaces, k=NEIGHBOURS_K)
        neighbours_figure(shown, pool.images, [n.indices for n in found.values()], neighbours_png, scale=2)
        result["neighbours_png"] = {
            "path": str(neighbours_png),
            "layout": "each row: sample | " + " | ".join(
                f"{NEIGHBOURS_K} nearest train images in {name} space" for name in found) + " (grey tile between groups)",
            "spaces": {name: {"description": n.space.description,
                              "mean_nearest_distance": n.summary()["mean_nearest_distance"]}
                       for name, n in found.items()},
            "train_pool": pool.info,
        }
    return result


def generate_from_checkpoint(
    checkpoint: str | Path, n: int, seed: int = 0, device: str = "cpu", bn: str = "running", use_ema: bool = True
):
    """(uint8 samples (n, C, H, W), Config) from a checkpoint; noise from ``seeded_z(seed)``, and
    for a class-conditional G the labels ``class_labels(n, K)``: the images ``dcgan sample --seed``
    writes."""
    generator, cfg = load_generator(checkpoint, device, use_ema=use_ema)
    z = seeded_z(seed, n, cfg.model.z_dim, cfg.model.z_dist)
    return generate(generator, z, bn=bn, labels=class_labels(n, cfg.model.num_classes)), cfg
