"""Walking the latent space (paper §6.1, Figure 4): interpolate through a series of random points
in z (9 in the paper). Smooth transitions suggest learned structure; sharp jumps would suggest
memorisation.

Two paths: linear, ``(1 - t) a + t b``, and spherical (slerp, Shoemake 1985; advocated for GAN
latents by White 2016), which rotates between the directions of ``a`` and ``b`` so a walk between
points of equal norm never passes through the low-norm middle of a Gaussian, where few training
z lie. Both return ``a`` at t=0 and ``b`` at t=1 exactly (bitwise), so a walk's knots are the very
samples its seeds name.
"""

from __future__ import annotations

from pathlib import Path

import torch

from dcgan import DcganError
from dcgan.core.run import Networks
from dcgan.experiments.common import display_scale, grid_array, save_image, write_summary
from dcgan.images import save_animation
from dcgan.sampling import generate, seeded_z

MODES = ("linear", "slerp")


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """a, b (D,), t (T,) -> (T, D): ``(1 - t) a + t b`` (exact at both ends, unlike ``a + t (b - a)``)."""
    t = t.to(a.dtype)[:, None]
    return (1 - t) * a + t * b


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    """Spherical interpolation of a, b (D,) at t (T,) -> (T, D).

    ``sin((1-t) w)/sin w * a + sin(t w)/sin w * b`` with ``w`` the angle between a and b. For
    |a| = |b| every point keeps that norm and its angle to ``a`` is ``t w``. Falls back to ``lerp``
    for (anti)parallel vectors, where the great circle is undefined."""
    t64 = t.double()[:, None]
    a64, b64 = a.double(), b.double()
    cos = torch.dot(a64, b64) / (a64.norm() * b64.norm()).clamp_min(1e-30)
    omega = torch.arccos(cos.clamp(-1, 1))
    sin = torch.sin(omega)
    if sin.abs() < eps:
        return lerp(a, b, t)
    wa = torch.sin((1 - t64) * omega) / sin
    wb = torch.sin(t64 * omega) / sin
    # The weights are exactly (1, 0) at t=0 and (0, 1) at t=1, so the ends are bitwise a and b.
    return (wa * a64 + wb * b64).to(a.dtype)


def interpolate(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor, mode: str) -> torch.Tensor:
    if mode == "linear":
        return lerp(a, b, t)
    if mode == "slerp":
        return slerp(a, b, t)
    raise DcganError(f"interpolation mode '{mode}': use one of {', '.join(MODES)}")


def walk_path(points: torch.Tensor, steps: int, mode: str) -> torch.Tensor:
    """Knots (P, D) -> segments (P-1, steps+1, D); segment k runs from knot k to knot k+1, both ends
    included (so each row of a figure starts where the previous one ended)."""
    if points.shape[0] < 2:
        raise DcganError("a walk needs at least 2 points")
    if steps < 1:
        raise DcganError(f"--steps must be >= 1, got {steps}")
    t = torch.linspace(0, 1, steps + 1)
    t[0], t[-1] = 0.0, 1.0
    return torch.stack([interpolate(points[k], points[k + 1], t, mode) for k in range(points.shape[0] - 1)])


def walk(nets: Networks, seeds: list[int], points: int, steps: int, modes: list[str], out_dir: Path,
         bn: str = "running", frame_ms: int = 120) -> dict:
    """For each seed: ``points`` knots ``seeded_z(seed, points)``, walked with each mode; one grid row
    per segment (``walk_seed<S>_<mode>.png``) and a looping animation (``.gif``)."""
    scale = display_scale(nets.config.model.resolution)
    files, runs = [], []
    for seed in seeds:
        knots = seeded_z(seed, points, nets.z_dim, nets.z_dist)
        for mode in modes:
            path = walk_path(knots, steps, mode)  # (P-1, steps+1, D)
            images = generate(nets.generator, path.reshape(-1, nets.z_dim), bn=bn)
            images = images.view(path.shape[0], steps + 1, *images.shape[1:])
            stem = f"walk_seed{seed}_{mode}"
            save_image(grid_array(images.flatten(0, 1), nrow=steps + 1, scale=scale), out_dir / f"{stem}.png")
            # The animation goes through every segment once (shared knots shown once) and back to the start.
            frames = [images[k, i] for k in range(images.shape[0]) for i in range(steps)] + [images[-1, -1]]
            frames_hwc = [grid_array(f[None], nrow=1, scale=scale, padding=0) for f in frames]
            save_animation(frames_hwc, out_dir / f"{stem}.gif", duration_ms=frame_ms)
            files += [f"{stem}.png", f"{stem}.gif"]
            norms = path.norm(dim=-1)
            runs.append({"seed": seed, "mode": mode, "knot_norms": knots.norm(dim=1).tolist(),
                         "min_path_norm": float(norms.min()), "max_path_norm": float(norms.max())})
    summary = {"experiment": "walk", "checkpoint": str(nets.checkpoint), "seeds": seeds, "points": points,
               "steps": steps, "modes": modes, "bn": bn, "z_dist": nets.z_dist, "walks": runs, "files": files}
    write_summary(out_dir, summary)
    return summary
