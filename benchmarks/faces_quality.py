"""Face-model sample quality over training: Fréchet distance in the face judge's feature space.

    python benchmarks/faces_quality.py --run runs/faces [--n 2000] [--out results/faces/quality.json]

Why this space: the usual InceptionV3 weights cannot be had offline here, and the shipped
Fashion-MNIST CNN knows nothing of faces. The attribute judge (``dcgan faces judge``) is a CNN
trained on real UTKFace faces to tell gender and age, so its 128-d penultimate layer (eval mode,
dropout off) is a space where face structure, not garment shape, is what differs. Its limits: it
is small, sees faces at 32x32, and was trained on UTKFace only — figures are comparable between
checkpoints of this project, not with published FIDs.

For every ``RUN/snapshots/epoch_NNN.pt`` (and the run's latest checkpoint): ``--n`` samples (seed 0)
against ``--n`` real faces of UTKFace's held-out split; the floor is ``--n`` real training faces
against the same reference. Writes ``--out`` (JSON, with ``best``: the snapshot of the lowest
distance, which ``scripts/faces.sh`` then evaluates), a plot of the curve beside it
(``quality.png``: distance against generator step, with the real-face floor) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from dcgan.atomic import atomic_path, write_text_atomic
from dcgan.core.checkpoint import load_checkpoint
from dcgan.core.run import load_generator
from dcgan.evaluation.frechet import GaussianStats, frechet_between
from dcgan.evaluation.judge import judge_input, load_judge
from dcgan.experiments.common import real_images
from dcgan.sampling import generate, seeded_z

ROOT = Path(__file__).resolve().parents[1]
UTK = ROOT.parent / "shared" / "datasets" / "utkface-64.zip"


@torch.no_grad()
def judge_features(judge, images_uint8: torch.Tensor, batch: int = 500) -> np.ndarray:
    judge.eval()
    return torch.cat([judge.body(judge_input(images_uint8[i:i + batch])) for i in range(0, len(images_uint8), batch)]).numpy()


def plot_curve(rows: list[dict], floor: float, out: Path) -> None:
    """Distance per snapshot against step, log scale (the first epochs fall by an order of
    magnitude more than the later ones move), best snapshot ringed, floor dashed."""
    fig = Figure(figsize=(6.4, 3.6), dpi=110, layout="constrained")
    ax = fig.subplots()
    steps, fds = [r["step"] for r in rows], [r["frechet_judge"] for r in rows]
    ax.plot(steps, fds, marker="o", markersize=3, linewidth=1.2, label="samples of the snapshot")
    best = min(rows, key=lambda r: r["frechet_judge"])
    ax.plot([best["step"]], [best["frechet_judge"]], "o", markersize=9, fillstyle="none", color="C3",
            label=f"best: epoch {best['epoch']:g} ({best['frechet_judge']:.1f})")
    ax.axhline(floor, color="grey", linestyle="--", linewidth=0.8, label=f"real train vs test faces ({floor:.1f})")
    ax.set_yscale("log")
    ax.set(title="Face model: Fréchet distance in the judge's space", xlabel="generator step", ylabel="Fréchet distance")
    ax.grid(True, alpha=0.3, which="both")
    ax.legend(loc="best", fontsize="small")
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", default="runs/faces")
    p.add_argument("--judge", default="", help="judge folder (default RUN/judge)")
    p.add_argument("--data", default=f"utkface:{UTK}", help="held-out faces (UTKFace's test split)")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--out", default=str(ROOT / "results" / "faces" / "quality.json"))
    args = p.parse_args()
    run = Path(args.run)
    judge, _ = load_judge(Path(args.judge or run / "judge") / "judge.pt")
    snapshots = sorted((run / "snapshots").glob("epoch_*.pt"))
    _, cfg = load_generator(snapshots[0] if snapshots else run)
    reference = GaussianStats.of(judge_features(judge, real_images(cfg, args.data, split="test", count=args.n, seed=0)))
    floor = frechet_between(GaussianStats.of(judge_features(judge, real_images(cfg, args.data, split="train", count=args.n, seed=1))),
                            reference)
    rows = []
    for path in snapshots:
        start = time.time()
        g, c = load_generator(path)
        images = generate(g, seeded_z(0, args.n, c.model.z_dim, c.model.z_dist))
        fd = frechet_between(GaussianStats.of(judge_features(judge, images)), reference)
        state = load_checkpoint(path)
        rows.append({"checkpoint": str(path), "step": int(state["step"]), "epoch": round(float(state.get("epoch", 0)), 3),
                     "frechet_judge": fd, "seconds": round(time.time() - start, 1)})
        print(f"{path.name:16s} step {rows[-1]['step']:6d}  epoch {rows[-1]['epoch']:5.2f}  Fréchet (judge space) {fd:8.3f}")
    print(f"{'real floor':16s} {'':22s}  Fréchet (judge space) {floor:8.3f}")
    best = min(rows, key=lambda r: r["frechet_judge"]) if rows else None
    if best:
        print(f"best: {best['checkpoint']} (epoch {best['epoch']:g}, Fréchet {best['frechet_judge']:.3f})")
    out = Path(args.out)
    if rows:
        plot_curve(rows, floor, out.with_suffix(".png"))
    write_text_atomic(out, json.dumps({"feature_space": "face judge penultimate layer (128-d, eval mode)", "n": args.n,
                               "reference": f"{args.data} split=test, {args.n} faces (seed 0)",
                               "floor_real_train_vs_test": floor, "checkpoints": rows, "best": best,
                               "command": "python benchmarks/faces_quality.py --run " + args.run}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
