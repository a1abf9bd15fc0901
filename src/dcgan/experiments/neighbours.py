"""Memorisation check: generated samples beside their nearest training images, in pixel space and
in a feature space (the discriminator's conv features, each layer max-pooled to a 4x4 grid as in
§5, concatenated and L2-normalised, so distance there is a cosine distance).

The paper (§6) warns that nearest neighbours are a weak measure of quality (small image shifts fool
pixel distance); here they only answer "is this sample a copy of a training image?". For scale the
summary also gives the same distances from held-out real images to the training set: generated
samples far closer to the training set than held-out images are would point to copying.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dcgan import DcganError
from dcgan.core.run import Networks
from dcgan.data.types import to_model_range
from dcgan.experiments.common import display_scale, grid_array, hstack, save_image, write_summary
from dcgan.sampling import generate, seeded_z


def pixel_features(images_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 (N, C, H, W) -> (N, C*H*W) float in [-1, 1]."""
    return to_model_range(images_uint8).flatten(1)


@torch.no_grad()
def discriminator_features(discriminator: nn.Module, images_uint8: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """§5's feature vector: every conv layer's post-LeakyReLU map max-pooled to 4x4, concatenated,
    then L2-normalised. (N, sum_l C_l * 16)."""
    device = next(discriminator.parameters()).device
    discriminator.eval()
    out = []
    for i in range(0, images_uint8.shape[0], batch_size):
        x = to_model_range(images_uint8[i : i + batch_size]).to(device)
        maps = discriminator.features(x)
        pooled = [F.adaptive_max_pool2d(m.float(), 4).flatten(1) for m in maps]
        out.append(F.normalize(torch.cat(pooled, dim=1), dim=1).cpu())
    return torch.cat(out)


def nearest(queries: torch.Tensor, bank: torch.Tensor, k: int, chunk: int = 8192) -> tuple[torch.Tensor, torch.Tensor]:
    """Euclidean k nearest rows of ``bank`` (N, D) for each query (M, D): (distances, indices), (M, k),
    closest first. Exact; the bank is scanned in chunks to bound memory."""
    k = min(k, bank.shape[0])
    q = queries.double()
    q_sq = (q * q).sum(1, keepdim=True)
    best_d = torch.full((q.shape[0], 0), float("inf"), dtype=torch.float64)
    best_i = torch.zeros((q.shape[0], 0), dtype=torch.long)
    for start in range(0, bank.shape[0], chunk):
        b = bank[start : start + chunk].double()
        d2 = (q_sq - 2 * q @ b.T + (b * b).sum(1)[None]).clamp_min(0)
        d = torch.cat([best_d, d2.sqrt()], dim=1)
        i = torch.cat([best_i, torch.arange(start, start + b.shape[0]).expand(q.shape[0], -1)], dim=1)
        best_d, order = torch.topk(d, k, dim=1, largest=False, sorted=True)
        best_i = torch.gather(i, 1, order)
    return best_d, best_i


def _figure(samples: torch.Tensor, bank: torch.Tensor, indices: torch.Tensor, scale: int) -> np.ndarray:
    left = grid_array(samples, nrow=1, scale=scale)
    right = grid_array(bank[indices.flatten()], nrow=indices.shape[1], scale=scale)
    return hstack([left, right], gap=10)


def feature_space(nets: Networks, name: str = "discriminator", device: str | torch.device = "cpu"):
    """``discriminator`` (the checkpoint's D, §5 pooling) or a feature space registered in
    ``dcgan.evaluation.features`` (e.g. ``fashion-cnn``, ``inception``): -> (embed, description)."""
    if name == "discriminator":
        if nets.discriminator is None:
            raise DcganError("the discriminator feature space needs the checkpoint's discriminator")
        return (lambda imgs: discriminator_features(nets.discriminator, imgs),
                "discriminator conv features, each layer max-pooled to 4x4, concatenated, L2-normalised")
    from dcgan.evaluation.features import get_feature_extractor

    extractor = get_feature_extractor(name, device=device)
    return (lambda imgs: torch.from_numpy(extractor(imgs))), f"{extractor.name}: {extractor.info}"


def neighbours_experiment(nets: Networks, train_uint8: torch.Tensor, out_dir: Path, seed: int = 0, n: int = 8,
                          k: int = 5, reference_uint8: torch.Tensor | None = None, bn: str = "running",
                          space: str = "discriminator") -> dict:
    """Write ``neighbours_pixel.png`` and ``neighbours_feature.png``: one row per generated sample
    (left column) with its ``k`` nearest training images, closest first; ``space`` names the
    feature space (see ``feature_space``)."""
    if train_uint8.shape[1:] != (nets.config.model.channels, nets.config.model.resolution, nets.config.model.resolution):
        raise DcganError(f"training images have shape {tuple(train_uint8.shape[1:])}, the generator makes "
                         f"{(nets.config.model.channels, nets.config.model.resolution, nets.config.model.resolution)}")
    samples = generate(nets.generator, seeded_z(seed, n, nets.z_dim, nets.z_dist), bn=bn)
    scale = display_scale(nets.config.model.resolution)
    embed_features, space_description = feature_space(nets, space, next(nets.generator.parameters()).device)
    spaces = {"pixel": pixel_features, "feature": embed_features}
    results = {}
    for name, embed in spaces.items():
        bank = embed(train_uint8)
        dist, idx = nearest(embed(samples), bank, k)
        save_image(_figure(samples, train_uint8, idx, scale), out_dir / f"neighbours_{name}.png")
        entry = {"mean_nearest_distance": float(dist[:, 0].mean()),
                 "samples": [{"sample": i, "train_indices": idx[i].tolist(), "distances": dist[i].tolist()}
                             for i in range(n)]}
        if reference_uint8 is not None and len(reference_uint8):
            ref_dist, _ = nearest(embed(reference_uint8), bank, 1)
            entry["held_out_mean_nearest_distance"] = float(ref_dist[:, 0].mean())
            entry["held_out_images"] = int(reference_uint8.shape[0])
        results[name] = entry
    summary = {
        "experiment": "neighbours",
        "checkpoint": str(nets.checkpoint),
        "train_images_searched": int(train_uint8.shape[0]),
        "seed": seed,
        "n": n,
        "k": k,
        "bn": bn,
        "feature_space": space_description,
        "pixel_space": "images in [-1, 1], Euclidean",
        **results,
        "layout": {"neighbours_<space>.png": "left: generated sample; right: its k nearest training images"},
        "files": ["neighbours_pixel.png", "neighbours_feature.png"],
    }
    write_summary(out_dir, summary)
    return summary
