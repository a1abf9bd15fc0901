"""The metrics registry: small functions returning dicts, registered by name (as StyleGAN's
``metric_main``). Each takes a ``MetricInputs`` and returns flat ``{key: number}``; the feature
space they were computed in is added by ``evaluate`` to every result.

- ``fid``: Fréchet distance (``frechet.py``; pytorch-fid's formula). Called FID proper only in
  the ``inception`` feature space; in ``fashion-cnn`` it is the same distance in that space.
- ``kid``: kernel distance, mean and std over subsets (``kid.py``; Bińkowski et al. 2018).
- ``prdc``: precision/recall (Kynkäänniemi et al. 2019, k=3), density/coverage (Naeem et al.
  2020, k=5) (``prdc.py``).
- ``nnd``: the authors' nearest-neighbour distance from held-out images to samples, in [0,1]
  pixels (``neighbours.py``), with the first 1000 samples and with all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from dcgan.evaluation.frechet import GaussianStats, frechet_between
from dcgan.evaluation.kid import kernel_distance
from dcgan.evaluation.neighbours import nnd_score
from dcgan.evaluation.prdc import prdc


@dataclass
class MetricInputs:
    real_features: np.ndarray  # (N, d) reference
    fake_features: np.ndarray  # (M, d) samples
    samples: torch.Tensor | None = None  # uint8 (M, C, H, W), for pixel-space metrics
    heldout: torch.Tensor | None = None  # uint8 (N, C, H, W) real held-out images
    seed: int = 0
    real_stats: GaussianStats | None = None  # precomputed (cached) reference statistics


Metric = Callable[[MetricInputs], dict]
METRICS: dict[str, Metric] = {}


def register_metric(name: str) -> Callable[[Metric], Metric]:
    def wrap(fn: Metric) -> Metric:
        METRICS[name] = fn
        return fn

    return wrap


@register_metric("fid")
def fid(inp: MetricInputs) -> dict:
    real = inp.real_stats or GaussianStats.of(inp.real_features)
    return {"fid": frechet_between(GaussianStats.of(inp.fake_features), real)}


@register_metric("kid")
def kid(inp: MetricInputs) -> dict:
    return kernel_distance(inp.real_features, inp.fake_features, seed=inp.seed)


@register_metric("prdc")
def precision_recall_density_coverage(inp: MetricInputs) -> dict:
    return prdc(inp.real_features, inp.fake_features)


@register_metric("nnd")
def nearest_neighbour_distance(inp: MetricInputs) -> dict:
    if inp.samples is None or inp.heldout is None:
        return {}
    out = {"nnd": nnd_score(inp.samples, inp.heldout), "nnd_samples": len(inp.samples), "nnd_heldout": len(inp.heldout)}
    if len(inp.samples) > 1000:
        out["nnd_1k"] = nnd_score(inp.samples[:1000], inp.heldout)
    return out


def compute_metrics(names: list[str] | tuple[str, ...], inputs: MetricInputs) -> dict:
    out: dict = {}
    for name in names:
        if name not in METRICS:
            raise KeyError(f"unknown metric '{name}'; known: {sorted(METRICS)}")
        out.update(METRICS[name](inputs))
    return out
