"""A "turn" (attribute) axis in z (paper §6.3.2, Figure 8): the mean z of one set of samples (faces
looking right, say) minus the mean z of another (looking left). Adding multiples of the axis to
random samples moves them along the attribute while keeping the rest (identity, background).
"""

from __future__ import annotations

from pathlib import Path

import torch

from dcgan import DcganError
from dcgan.core.run import Networks
from dcgan.experiments.common import display_scale, grid_array, save_image, write_summary
from dcgan.images import save_animation
from dcgan.sampling import generate, seeded_z


def attribute_axis(z_a: torch.Tensor, z_b: torch.Tensor) -> torch.Tensor:
    """(ka, D), (kb, D) -> (D,): mean(z_a) - mean(z_b), pointing from B towards A."""
    return z_a.mean(dim=0) - z_b.mean(dim=0)


def move_along(z: torch.Tensor, axis: torch.Tensor, alphas: torch.Tensor) -> torch.Tensor:
    """(N, D), (D,), (T,) -> (N, T, D): ``z + alpha * axis`` for each sample and alpha."""
    return z[:, None, :] + alphas[None, :, None] * axis[None, None, :]


def axis_experiment(nets: Networks, z_a: torch.Tensor, z_b: torch.Tensor, out_dir: Path, seed: int = 0, n: int = 8,
                    steps: int = 9, extent: float = 1.0, bn: str = "running", frame_ms: int = 150) -> dict:
    """Rows: ``n`` random samples (``seeded_z(seed, n)``) moved by alpha in [-extent, extent] along
    the axis (the centre column, alpha = 0, is the sample itself). Writes ``axis.png``, ``axis.gif``
    (all samples moving together) and ``sets.png`` (the decoded mean of each set, then set A, then B)."""
    if steps < 2 or n < 1:
        raise DcganError("--steps must be >= 2 and --n >= 1")
    axis = attribute_axis(z_a, z_b)
    alphas = torch.linspace(-extent, extent, steps)
    z = seeded_z(seed, n, nets.z_dim, nets.z_dist)
    moved = move_along(z, axis, alphas)
    images = generate(nets.generator, moved.reshape(-1, nets.z_dim), bn=bn)
    images = images.view(n, steps, *images.shape[1:])
    scale = display_scale(nets.config.model.resolution)
    save_image(grid_array(images.flatten(0, 1), nrow=steps, scale=scale), out_dir / "axis.png")
    frames = [grid_array(images[:, t], nrow=min(n, 8), scale=scale) for t in list(range(steps)) + list(range(steps - 2, 0, -1))]
    save_animation(frames, out_dir / "axis.gif", duration_ms=frame_ms)

    means = generate(nets.generator, torch.stack([z_a.mean(0), z_b.mean(0)]), bn=bn)
    width = max(2, z_a.shape[0], z_b.shape[0])
    rows = [means, generate(nets.generator, z_a, bn=bn), generate(nets.generator, z_b, bn=bn)]
    padded = [torch.cat([r, torch.full((width - r.shape[0], *r.shape[1:]), 255, dtype=torch.uint8)]) for r in rows]
    save_image(grid_array(torch.cat(padded), nrow=width, scale=scale), out_dir / "sets.png")

    summary = {
        "experiment": "axis",
        "checkpoint": str(nets.checkpoint),
        "set_a_count": int(z_a.shape[0]),
        "set_b_count": int(z_b.shape[0]),
        "axis_norm": float(axis.norm()),
        "mean_sample_norm": float(z.norm(dim=1).mean()),
        "alphas": alphas.tolist(),
        "seed": seed,
        "n": n,
        "bn": bn,
        "layout": {"axis.png": "one row per random sample; columns: z + alpha * (mean A - mean B)",
                   "sets.png": "decoded mean of A, of B; then set A; then set B"},
        "files": ["axis.png", "axis.gif", "sets.png"],
    }
    write_summary(out_dir, summary)
    return summary
