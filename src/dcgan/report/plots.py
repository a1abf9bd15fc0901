"""Training curves as PNGs (matplotlib's Agg renderer; no display, no pyplot global state).

The GAN game of Goodfellow et al. (2014) as the paper trains it (§4): the two losses, and the
discriminator's mean output on real images D(x) and on samples D(G(z)). At the game's
equilibrium D outputs 1/2 everywhere, drawn as a dashed line. Any other numeric series in
``metrics.jsonl`` (e.g. ``fid`` logged by ``dcgan train --eval-every``) gets its own plot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

LABELS = {
    "loss_d": "loss D",
    "loss_g": "loss G",
    "d_real": "D(x), real images",
    "d_fake": "D(G(z)), samples",
    "images_per_s": "images / s",
    "diversity": "fixed-noise sample diversity / real (collapse diagnostic; about 1 is healthy)",
    "fid": "in-training Fréchet distance (lower is better; the best snapshot is checkpoints/best.pt)",
}
# Series whose lowest point is a kept snapshot (training/loop.py keeps checkpoints/best.pt): ringed.
BEST_IS_LOWEST = {"fid"}
# Series drawn together: (file stem, title, keys, y label, dashed reference line or None).
GROUPS = [
    ("losses", "Losses", ("loss_d", "loss_g"), "loss", None),
    ("discriminator", "Discriminator outputs", ("d_real", "d_fake"), "mean D output", 0.5),
    ("throughput", "Training throughput", ("images_per_s",), "images / s", None),
]


@dataclass
class Plot:
    title: str
    path: Path
    keys: tuple[str, ...]


def _figure(title: str, ylabel: str) -> tuple[Figure, object]:
    fig = Figure(figsize=(6.4, 3.6), dpi=110, layout="constrained")
    ax = fig.subplots()
    ax.set_title(title)
    ax.set_xlabel("generator step")
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    return fig, ax


def _draw(ax, xs: list[float], ys: list[float], label: str) -> None:
    # Few points (e.g. an evaluation every N steps) read better as markers.
    ax.plot(xs, ys, label=label, linewidth=1.2, marker="o" if len(xs) <= 30 else None, markersize=3)


def plot_series(series: dict[str, tuple[list[float], list[float]]], out_dir: Path) -> list[Plot]:
    """One PNG per group in ``GROUPS`` present in ``series`` and one per remaining series that
    changes (constant ones are left to the page's table of last values)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    plots: list[Plot] = []
    grouped: set[str] = set()
    jobs = []
    for stem, title, keys, ylabel, ref in GROUPS:
        present = tuple(k for k in keys if k in series)
        grouped.update(keys)
        if present:
            jobs.append((stem, title, present, ylabel, ref))
    for key in sorted(k for k in series if k not in grouped):
        if len(series[key][1]) > 1 and len(set(series[key][1])) == 1:
            continue  # a setting logged beside a metric (e.g. fid_samples): a flat line says nothing
        stem = "metric_" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key)
        jobs.append((stem, key, (key,), key, None))
    for stem, title, keys, ylabel, ref in jobs:
        fig, ax = _figure(title, ylabel)
        for key in keys:
            _draw(ax, *series[key], LABELS.get(key, key))
        for key in keys:
            if key in BEST_IS_LOWEST and series[key][1]:
                xs, ys = series[key]
                i = min(range(len(ys)), key=ys.__getitem__)
                ax.plot([xs[i]], [ys[i]], "o", markersize=10, fillstyle="none", color="C3",
                        label=f"best: step {xs[i]:g} ({ys[i]:.2f}), checkpoints/best.pt")
                ax.legend(loc="best", fontsize="small")
        if ref is not None:
            ax.axhline(ref, color="grey", linestyle="--", linewidth=0.8, label="equilibrium (1/2)")
            ax.set_ylim(-0.02, 1.02)
        if len(keys) > 1 or ref is not None:
            ax.legend(loc="best", fontsize="small")
        path = out_dir / f"{stem}.png"
        fig.savefig(path)
        plots.append(Plot(title, path, keys))
    return plots
