"""The "turn" axis of Figure 8 (paper §6.3.2) with a check: does the pose change, do gender and age stay?

**The pose cue (a measurable proxy, built from mirrored real faces).** A face and its mirror image
look opposite ways, so whatever distinguishes looking left from looking right lives in the
*antisymmetric* part of an image, ``a(x) = s(x) - flip(s(x))``, where ``s`` is the image at 32x32
grey, standardised per image (zero mean, unit variance: global brightness and contrast drop out).
``PoseProxy.fit`` takes real faces and their mirrors (the mirror of x has antisymmetric part
``-a(x)``, so the pair is centred by construction) and keeps the first principal direction ``w``
of ``a``: the dominant left/right asymmetry of real faces. ``score(x) = <a(x), w> / sd`` (sd: its
spread over the real faces), so ``score(flip(x)) = -score(x)`` exactly. On aligned face crops
this direction is mostly head yaw, but it may also carry side lighting; ``extremes.png`` shows
the real faces at both ends so the reader can see what it measures. The sign is fixed so that
``w`` sums to a positive value over the image's left half.

**The axis and its check.** From a numbered sheet, the ``k`` samples with the highest proxy (A)
and the lowest (B) give ``axis = mean z_A - mean z_B`` (``attribute_axis``, four each as in the
paper). ``n`` random samples are moved along it (``move_along``, alpha in [-extent, extent]); we
measure the proxy at each alpha (it should rise with alpha), and how often the judge's gender
and age group stay what they were at alpha = 0. A random direction of the same norm is the
control: it should move the proxy little.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from dcgan import DcganError
from dcgan.core.run import Networks
from dcgan.data import open_dataset
from dcgan.data.transforms import prepare_images
from dcgan.evaluation.judge import FaceJudge, judge_probs
from dcgan.experiments.attribute_axis import attribute_axis, axis_experiment, move_along
from dcgan.experiments.common import display_scale, grid_array, save_image, titled, vstack
from dcgan.experiments.sheets import sheet_z
from dcgan.sampling import generate, seeded_z

SIZE = 32


def antisymmetric(images_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 (N, C, H, W) -> (N, 32*32): per-image standardised grey minus its mirror."""
    grey = prepare_images(images_uint8, SIZE, 1).float().flatten(1)
    grey = (grey - grey.mean(1, keepdim=True)) / grey.std(1, keepdim=True).clamp_min(1e-6)
    grey = grey.view(-1, SIZE, SIZE)
    return (grey - grey.flip(2)).flatten(1)


class PoseProxy:
    """Left/right pose proxy from real faces and their mirrors (module docstring). fit returns self."""

    def __init__(self):
        self.direction: torch.Tensor | None = None
        self.scale = 1.0

    def fit(self, real_uint8: torch.Tensor) -> PoseProxy:
        if len(real_uint8) < 2:
            raise DcganError("the pose proxy needs at least 2 real faces")
        a = antisymmetric(real_uint8)
        both = torch.cat([a, -a])  # the faces and their mirror images
        _, _, vh = torch.linalg.svd(both.double(), full_matrices=False)
        w = vh[0].float()
        left = w.view(SIZE, SIZE)[:, : SIZE // 2].sum()
        self.direction = w if left >= 0 else -w
        self.scale = float((a @ self.direction).std().clamp_min(1e-6))
        return self

    def score(self, images_uint8: torch.Tensor) -> torch.Tensor:
        if self.direction is None:
            raise DcganError("PoseProxy is not fitted")
        return antisymmetric(images_uint8) @ self.direction / self.scale


def _moved_stats(nets: Networks, judge: FaceJudge, proxy: PoseProxy, z: torch.Tensor, axis: torch.Tensor,
                 alphas: torch.Tensor, bn: str) -> dict:
    n, steps = len(z), len(alphas)
    images = generate(nets.generator, move_along(z, axis, alphas).reshape(-1, z.shape[1]), bn=bn)
    pose = proxy.score(images).view(n, steps)
    probs = judge_probs(judge, images)
    centre = steps // 2
    stay = {}
    for head, p in probs.items():
        pred = p.argmax(1).view(n, steps)
        same = (pred == pred[:, centre : centre + 1]).float()
        stay[head] = {"per_alpha": [round(float(v), 4) for v in same.mean(0)],
                      "at_extremes": round(float(same[:, [0, -1]].mean()), 4)}
    a = alphas.double()
    slope = float(((pose.double() - pose.double().mean(1, keepdim=True)) * (a - a.mean())).sum(1).mean()
                  / ((a - a.mean()) ** 2).sum())
    return {"pose_mean_per_alpha": [round(float(v), 4) for v in pose.mean(0)],
            "pose_change": round(float((pose[:, -1] - pose[:, 0]).mean()), 4),
            "pose_rises_fraction": round(float((pose[:, -1] > pose[:, 0]).float().mean()), 4),
            "pose_slope": round(slope, 4), "judge_stays": stay}


def pose_axis_check(nets: Networks, judge: FaceJudge, real_uint8: torch.Tensor, out_dir: Path,
                    sheet_seed: int = 0, sheet_n: int = 512, k: int = 4, seed: int = 1, n: int = 32, steps: int = 9,
                    extent: float = 1.5, bn: str = "running") -> dict:
    """Write ``pose.json``, ``extremes.png`` (real faces at both ends of the proxy), and the axis
    figures of ``axis_experiment`` (``axis.png``, ``axis.gif``, ``sets.png``) into ``out_dir``."""
    if steps < 3 or steps % 2 == 0:
        raise DcganError(f"--steps must be odd and >= 3 (alpha 0 in the middle), got {steps}")
    out_dir.mkdir(parents=True, exist_ok=True)
    proxy = PoseProxy().fit(real_uint8)
    scale = display_scale(nets.config.model.resolution)
    real_pose = proxy.score(real_uint8)
    order = torch.argsort(real_pose)
    ends = torch.cat([real_uint8[order[-8:].flip(0)], real_uint8[order[:8]]])
    save_image(titled(grid_array(ends, nrow=8, scale=scale), "real faces: highest pose proxy (top), lowest (bottom)"),
               out_dir / "extremes.png")

    z_sheet = sheet_z(sheet_seed, sheet_n, nets.z_dim, nets.z_dist)
    sheet_pose = proxy.score(generate(nets.generator, z_sheet, bn=bn))
    sheet_order = torch.argsort(sheet_pose)
    ia, ib = sheet_order[-k:].flip(0), sheet_order[:k]
    axis = attribute_axis(z_sheet[ia], z_sheet[ib])
    figures = axis_experiment(nets, z_sheet[ia], z_sheet[ib], out_dir, seed, min(n, 8), steps, extent, bn)

    alphas = torch.linspace(-extent, extent, steps)
    z = seeded_z(seed, n, nets.z_dim, nets.z_dist)
    control_dir = seeded_z(seed + 7_919, 1, nets.z_dim, nets.z_dist)[0]
    control = control_dir / control_dir.norm() * axis.norm()
    moved = _moved_stats(nets, judge, proxy, z, axis, alphas, bn)
    random = _moved_stats(nets, judge, proxy, z, control, alphas, bn)
    control_images = generate(nets.generator, move_along(z[: min(n, 8)], control, alphas).reshape(-1, z.shape[1]), bn=bn)
    save_image(vstack([titled(grid_array(generate(nets.generator, move_along(z[: min(n, 8)], axis, alphas)
                                                  .reshape(-1, z.shape[1]), bn=bn), nrow=steps, scale=scale),
                              f"pose axis: proxy change {moved['pose_change']:+.2f} sd"),
                       titled(grid_array(control_images, nrow=steps, scale=scale),
                              f"random direction, same norm: proxy change {random['pose_change']:+.2f} sd")], gap=8),
               out_dir / "axis_vs_random.png")
    summary = {
        "experiment": "pose_axis",
        "checkpoint": str(nets.checkpoint),
        "proxy": "first principal direction of (standardised 32x32 grey face - its mirror) over real faces and "
                 "their mirrors; score in real-face standard deviations; score(mirror) = -score",
        "real_faces": int(len(real_uint8)),
        "real_pose_sd": 1.0,
        "sheet": {"seed": sheet_seed, "n": sheet_n, "set_a": [f"{sheet_seed}:{int(i)}" for i in ia],
                  "set_b": [f"{sheet_seed}:{int(i)}" for i in ib],
                  "set_a_pose": [round(float(sheet_pose[i]), 3) for i in ia],
                  "set_b_pose": [round(float(sheet_pose[i]), 3) for i in ib],
                  "sheet_pose_sd": round(float(sheet_pose.std()), 4)},
        "alphas": [round(float(a), 4) for a in alphas],
        "axis_norm": round(float(axis.norm()), 4),
        "samples": n,
        "seed": seed,
        "axis": moved,
        "random_direction": random,
        "files": ["pose.json", "extremes.png", "axis_vs_random.png"] + figures["files"],
    }
    (out_dir / "pose.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def real_faces(data: str, count: int, seed: int, resolution: int, path: str = "") -> torch.Tensor:
    """``count`` real faces (seeded draw) at ``resolution``, RGB, from the registry."""
    dataset = open_dataset(data, resolution=resolution, channels=3, split="all" if "," in data else "train", path=path)
    images = getattr(dataset, "images", None)
    idx = torch.from_numpy(np.sort(np.random.default_rng(seed).choice(len(dataset), min(count, len(dataset)), replace=False)))
    if isinstance(images, torch.Tensor):
        return images[idx]
    return torch.stack([dataset[int(i)][0] for i in idx])
