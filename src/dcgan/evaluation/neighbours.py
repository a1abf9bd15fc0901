"""Nearest neighbours: the authors' fit measure, and the memorisation check with its picture.

- ``nnd_score``: as ``nnd_score(gX, vaX, metric='euclidean')`` in the authors' released code
  (Newmu/dcgan_code, ``lib/metrics.py``, logged as ``1k_va_nnd``/``10k_va_nnd``/``100k_va_nnd``):
  for every held-out real image, the Euclidean distance to its nearest generated sample, in
  pixel space with images flattened and scaled to [0, 1] (their MNIST script divides by 255),
  averaged over the held-out images. Lower means the samples come closer to unseen data; it
  falls as more samples are drawn, so the sample count is part of its name.
- ``memorisation_check``: for each generated sample, its ``k`` nearest training images, closest
  first, in each of a list of stated feature spaces (``Space``), optionally with the same distance
  from held-out real images to the training set for scale: samples far closer to the training
  set than held-out images are would point to copying. It answers "is this sample a copy of a
  training image?", not "is it good" (the paper's §6 warns that small shifts fool pixel distance,
  hence more than one space). ``neighbours_figure`` draws the answer. Both ``dcgan evaluate
  --neighbours`` and ``dcgan explore neighbours`` use these two functions.

Feature spaces (every distance is Euclidean, computed exactly in float64 by ``nearest``):

- ``pixel_space()``: images flattened and scaled to [0, 1], the units of ``nnd_score``.
- ``discriminator_space(D, real)``: the paper's §5 discriminator features, computed by
  ``classify.features.DiscriminatorFeatures`` exactly as for the classification tables: every conv
  layer's post-LeakyReLU map max-pooled to 4x4 and concatenated, with BatchNorm *population*
  statistics estimated on ``real`` (the training images searched), not the running statistics
  left by GAN training (which mix real and generated batches); then L2-normalised, so the
  Euclidean distance there is ``sqrt(2 - 2 cos)``, a cosine distance.
- ``extractor_space(extractor)``: an evaluation feature space (``dcgan.evaluation.features``:
  ``fashion-cnn``, ``inception``), its features as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dcgan.evaluation.classify.features import DiscriminatorFeatures
from dcgan.evaluation.features import FeatureExtractor
from dcgan.images import make_grid, to_pil

GAP_GREY = 128  # the tile between groups: mid-grey, visible on black and on white backgrounds


def _flat_unit(images_uint8: torch.Tensor) -> torch.Tensor:
    return images_uint8.reshape(len(images_uint8), -1).float() / 255.0


def nearest(queries: torch.Tensor, bank: torch.Tensor, k: int = 1, chunk: int = 2048) -> tuple[torch.Tensor, torch.Tensor]:
    """Euclidean ``k`` nearest rows of ``bank`` (N, D) for each row of ``queries`` (M, D):
    (distances float64, indices int64), both (M, min(k, N)), closest first.

    Exact: computed in float64 (``|q|^2 - 2 q.b + |b|^2``, which in float32 leaves an exact copy
    at a distance of about 1e-2 in 784 dimensions), with queries and bank both scanned in chunks
    of ``chunk`` rows, so memory stays at ``chunk**2`` distances however large the bank is."""
    k = min(k, bank.shape[0])
    dists, idxs = [], []
    for qs in range(0, queries.shape[0], chunk):
        q = queries[qs : qs + chunk].double()
        q_sq = (q * q).sum(1, keepdim=True)
        best_d = torch.full((q.shape[0], 0), float("inf"), dtype=torch.float64)
        best_i = torch.zeros((q.shape[0], 0), dtype=torch.long)
        for bs in range(0, bank.shape[0], chunk):
            b = bank[bs : bs + chunk].double()
            d = (q_sq - 2 * q @ b.T + (b * b).sum(1)[None]).clamp_min_(0).sqrt_()
            d = torch.cat([best_d, d], dim=1)
            i = torch.cat([best_i, torch.arange(bs, bs + b.shape[0]).expand(q.shape[0], -1)], dim=1)
            best_d, order = torch.topk(d, k, dim=1, largest=False, sorted=True)
            best_i = torch.gather(i, 1, order)
        dists.append(best_d)
        idxs.append(best_i)
    if not dists:
        return torch.zeros((0, k), dtype=torch.float64), torch.zeros((0, k), dtype=torch.long)
    return torch.cat(dists), torch.cat(idxs)


def nnd_score(samples_uint8: torch.Tensor, heldout_uint8: torch.Tensor) -> float:
    """Mean over held-out images of the [0,1]-pixel Euclidean distance to the nearest sample."""
    if samples_uint8.shape[1:] != heldout_uint8.shape[1:]:
        raise ValueError(f"image shapes differ: {tuple(samples_uint8.shape[1:])} vs {tuple(heldout_uint8.shape[1:])}")
    d, _ = nearest(_flat_unit(heldout_uint8), _flat_unit(samples_uint8))
    return float(d[:, 0].mean())


@dataclass
class Space:
    """A feature space of the memorisation check. ``embed``: uint8 images (N, C, H, W) -> float
    features (N, D), a tensor or an array; distances there are Euclidean. ``name`` keys the
    results, ``description`` states the space (it goes into every summary).

    ``sample_features`` / ``train_features``: features already computed (``dcgan evaluate`` has
    them from its metrics and its reference cache), used instead of ``embed`` for those images."""

    name: str
    description: str
    embed: Callable[[torch.Tensor], torch.Tensor | np.ndarray] | None = None
    sample_features: torch.Tensor | np.ndarray | None = None
    train_features: torch.Tensor | np.ndarray | None = None

    def features(self, images_uint8: torch.Tensor, given=None) -> torch.Tensor:
        if given is not None:
            return torch.as_tensor(given)
        if self.embed is None:
            raise ValueError(f"feature space '{self.name}' has no embedding and no features for these images")
        return torch.as_tensor(self.embed(images_uint8))


def pixel_space() -> Space:
    """Images flattened and scaled to [0, 1] (C*H*W dimensions), as ``nnd_score``."""
    return Space("pixel", "pixels: images flattened, scaled to [0, 1], Euclidean (the units of nnd)", _flat_unit)


def discriminator_space(discriminator: nn.Module, real_uint8: torch.Tensor, device: str | torch.device | None = None,
                        batch_size: int = 256, seed: int = 0) -> Space:
    """§5's pooled features of ``discriminator`` (a copy; the module is not changed), BatchNorm
    population statistics from ``real_uint8`` (shuffled with ``seed``), L2-normalised; on
    ``device`` (default: the discriminator's)."""
    device = device if device is not None else next(discriminator.parameters()).device
    extractor = DiscriminatorFeatures(discriminator, bn_stats="population", batch_size=batch_size,
                                      device=str(device), seed=seed).fit(real_uint8)

    def embed(images_uint8: torch.Tensor) -> torch.Tensor:
        return F.normalize(torch.from_numpy(extractor.transform(images_uint8)), dim=1)

    stats = f"BatchNorm population statistics of {real_uint8.shape[0]} real training images"
    return Space("discriminator", "discriminator conv features (§5): each layer max-pooled to 4x4, concatenated, "
                 f"{stats if getattr(extractor, 'bn_batches_', 0) else 'no BatchNorm'}; L2-normalised, Euclidean "
                 "(= sqrt(2 - 2 cos))", embed)


def extractor_space(extractor: FeatureExtractor, sample_features=None, train_features=None) -> Space:
    """An evaluation feature space (``get_feature_extractor(name)``): its features, Euclidean."""
    return Space(extractor.name.split("@")[0], f"{extractor.name}: its features as they are, Euclidean", extractor,
                 sample_features, train_features)


@dataclass
class Neighbours:
    """The memorisation check in one space: ``indices``/``distances`` (n, k) of each sample's
    nearest training images, closest first; ``held_out``: each held-out image's distance to its
    nearest training image (None without held-out images)."""

    space: Space
    distances: torch.Tensor
    indices: torch.Tensor
    held_out: torch.Tensor | None = None

    def summary(self) -> dict:
        entry = {"mean_nearest_distance": float(self.distances[:, 0].mean()) if len(self.distances) else None,
                 "samples": [{"sample": i, "train_indices": self.indices[i].tolist(),
                              "distances": self.distances[i].tolist()} for i in range(len(self.indices))]}
        if self.held_out is not None:
            entry["held_out_mean_nearest_distance"] = float(self.held_out.mean())
            entry["held_out_images"] = int(self.held_out.shape[0])
        return entry


def memorisation_check(samples_uint8: torch.Tensor, train_uint8: torch.Tensor, spaces: Sequence[Space], k: int = 4,
                       reference_uint8: torch.Tensor | None = None) -> dict[str, Neighbours]:
    """Each sample's ``k`` nearest training images in every space of ``spaces`` (by name, in order),
    with the held-out baseline when ``reference_uint8`` holds images."""
    if samples_uint8.shape[1:] != train_uint8.shape[1:]:
        raise ValueError(f"image shapes differ: samples {tuple(samples_uint8.shape[1:])}, "
                         f"training images {tuple(train_uint8.shape[1:])}")
    results = {}
    for space in spaces:
        bank = space.features(train_uint8, space.train_features)
        dist, idx = nearest(space.features(samples_uint8, space.sample_features), bank, k)
        held_out = None
        if reference_uint8 is not None and len(reference_uint8):
            held_out = nearest(space.features(reference_uint8), bank, 1)[0][:, 0]
        results[space.name] = Neighbours(space, dist, idx, held_out)
    return results


def _upscale(images: torch.Tensor, scale: int) -> torch.Tensor:
    return images if scale <= 1 else images.repeat_interleave(scale, dim=2).repeat_interleave(scale, dim=3)


def neighbours_figure(samples_uint8: torch.Tensor, train_uint8: torch.Tensor, groups: Sequence[torch.Tensor],
                      path: str | Path, scale: int = 1) -> Path:
    """PNG, one row per sample: [sample | grey | its nearest training images, closest first] and
    one more [grey | nearest images] block for every further group of ``indices`` (n, k) (one
    group per feature space). Tiles are upscaled ``scale`` times (nearest neighbour) before the
    2-pixel white grid padding."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    blank = torch.full_like(samples_uint8[:1], GAP_GREY)
    tiles = []
    for i in range(len(samples_uint8)):
        tiles.append(samples_uint8[i : i + 1])
        for idx in groups:
            tiles.append(blank)
            tiles.append(train_uint8[idx[i]])
    row_len = 1 + sum(idx.shape[1] + 1 for idx in groups)
    to_pil(make_grid(_upscale(torch.cat(tiles), scale), nrow=row_len)).save(path)
    return path
