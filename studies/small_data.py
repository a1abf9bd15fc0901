"""Small datasets: does augmentation keep a DCGAN improving on a few hundred photos? (issue #37)

    python -m studies.small_data                       # every cell below, in this order
    python -m studies.small_data --only 500-none-s0,500-diffaug-s0
    python -m studies.small_data --report-only         # tabulate what has run

Data: plain folders of 500 and 2,000 UTKFace faces (64x64 RGB), named ``IMG_0001.jpg``... so that
nothing reads their labels; the 500 are the first 500 of the 2,000, both drawn (seed 0) from
UTKFace's ``train`` split, so the held-out ``test`` split (2,339 faces) never trains anything.
Each cell: the default recipe at 64 px (``pytorch`` preset, bf16 where the CPU runs it) for
``--steps`` generator steps with ``train.augment`` = the variant and ``train.seed`` = the seed.
Measure: the face judge's Fréchet distance (``train.eval_features=face-judge``: the penultimate
layer of a gender/age CNN trained on UTKFace's train split, ``dcgan faces judge``) of 2,000
samples against the held-out faces, every ``--eval-every`` steps, by the training loop itself
(``train.eval_every``; the loop keeps ``best.pt``). A cell's best and last come from its
``metrics.jsonl``.

Copying: a low Fréchet distance does not tell a varied generator from one that replays its 500
photos. For each finished cell, 2,000 samples of its best snapshot are matched to their nearest
training photo (judge space and pixels, ``evaluation/neighbours.memorisation_check``), and the
mean distance is divided by the same distance for held-out faces: about 1 = as far from the
training photos as unseen faces are; well below 1 = samples sit on training photos.

Writes ``results/small_data.json`` (every cell's curve, best and last, the machine), the table
``results/small_data.md`` and the curves ``results/small_data.png``. Cells live in ``--runs``
and resume exactly where they stopped (``studies/common.py``).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import zipfile
from pathlib import Path

import torch
from matplotlib.figure import Figure

import dcgan
from dcgan.atomic import atomic_path, write_text_atomic
from dcgan.core.checkpoint import load_checkpoint
from dcgan.core.layout import BEST
from dcgan.data.utkface import parse_name, split_of
from dcgan.evaluation.features import get_feature_extractor
from dcgan.evaluation.judge import save_judge
from dcgan.evaluation.neighbours import extractor_space, memorisation_check, pixel_space
from dcgan.evaluation.reference import load_reference
from dcgan.evaluation.train_judge import train_judge
from studies.common import machine, metric_records, train_or_resume

ROOT = Path(__file__).resolve().parents[1]
UTK = ROOT.parent / "shared" / "datasets" / "utkface-64.zip"
SIZES = (500, 2000)
VARIANTS = ("none", "diffaug", "ada")
SEEDS = (0, 1)


def cells() -> list[str]:
    """Run order: the small set first (where the question is), seed 0 of every variant first."""
    return [f"{size}-{variant}-s{seed}" for size in SIZES for seed in SEEDS for variant in VARIANTS]


def make_folders(utk: Path, out: Path) -> dict[int, Path]:
    """Plain-named folders of the first ``size`` of a seeded shuffle of UTKFace's train split."""
    with zipfile.ZipFile(utk) as zf:
        names = sorted(n for n in zf.namelist() if parse_name(n) and split_of(n) == "train")
        random.Random(0).shuffle(names)
        folders = {}
        for size in SIZES:
            folder = out / f"photos{size}"
            if len(list(folder.glob("*.jpg"))) != size:
                folder.mkdir(parents=True, exist_ok=True)
                for i, name in enumerate(names[:size]):
                    (folder / f"IMG_{i + 1:04d}.jpg").write_bytes(zf.read(name))
            folders[size] = folder
    return folders


def run_cell(cell: str, folders: dict[int, Path], judge: Path, utk: Path, runs: Path, steps: int, eval_every: int) -> None:
    size, variant, seed = cell.split("-")
    overrides = {
        "data.name": str(folders[int(size)]), "model.resolution": 64, "model.channels": 3,
        "train.augment": variant, "train.seed": int(seed[1:]), "train.eval_every": eval_every,
        "train.eval_features": "face-judge", "train.eval_weights": str(judge),
        "train.eval_reference": f"utkface:{utk}", "train.checkpoint_every": eval_every, "train.tensorboard": False,
    }
    train_or_resume(runs / cell, overrides, steps, progress=False)


COPY_SAMPLES = 2000


def copying(run_dir: Path, folder: Path, judge: Path, utk: Path) -> dict | None:
    """Nearest-training-photo distance of the best snapshot's samples over that of held-out faces,
    per space (cached in the run folder for its best step); None without a best snapshot."""
    if not (run_dir / BEST).is_file() or not judge.is_file():
        return None
    step = int(load_checkpoint(run_dir / BEST)["step"])
    cache = run_dir / "copying.json"
    if cache.is_file() and json.loads(cache.read_text()).get("step") == step:
        return json.loads(cache.read_text())
    extractor = get_feature_extractor("face-judge", weights=str(judge))
    train_set = load_reference(extractor, str(folder), split="train", n=0, resolution=64, channels=3, use_cache=False)
    held_out = load_reference(extractor, "utkface", path=str(utk), split="test", n=COPY_SAMPLES, resolution=64,
                              channels=3, use_cache=False)
    samples = torch.from_numpy(dcgan.load(run_dir).generate(COPY_SAMPLES, seed=0)).permute(0, 3, 1, 2).contiguous()
    spaces = [pixel_space(), extractor_space(extractor, extractor(samples), train_set.features)]
    found = memorisation_check(samples, train_set.images, spaces, k=1, reference_uint8=held_out.images)
    result = {"step": step, "samples": COPY_SAMPLES, "held_out": len(held_out.images), "spaces": {
        name: {"samples": float(n.distances[:, 0].mean()), "held_out": float(n.held_out.mean()),
               "ratio": float(n.distances[:, 0].mean() / n.held_out.mean())} for name, n in found.items()}}
    write_text_atomic(cache, json.dumps(result, indent=2))
    return result


def summarise(runs: Path, steps: int, copies=None) -> dict:
    """Every cell's curve, best and last; group means over finished seeds. ``copies(cell)``: the
    copying measure of a finished cell (None: not measured)."""
    rows = {}
    for cell in cells():
        curve = [{"step": r["step"], "fd": r["fid"]} for r in metric_records(runs / cell, "fid")]
        if not curve:
            continue
        best = min(curve, key=lambda r: r["fd"])
        rows[cell] = {"curve": curve, "best": best, "last": curve[-1], "complete": curve[-1]["step"] >= steps}
        if rows[cell]["complete"] and copies is not None:
            rows[cell]["copying"] = copies(cell)
    groups = {}
    for size in SIZES:
        for variant in VARIANTS:
            done = [rows[c] for c in rows if c.startswith(f"{size}-{variant}-") and rows[c]["complete"]]
            if done:
                bests, lasts = [r["best"]["fd"] for r in done], [r["last"]["fd"] for r in done]
                groups[f"{size}-{variant}"] = {
                    "seeds": len(done), "best_mean": statistics.mean(bests), "last_mean": statistics.mean(lasts),
                    "best_range": [min(bests), max(bests)], "last_over_best": statistics.mean(
                        r["last"]["fd"] / r["best"]["fd"] for r in done)}
                ratios = [r["copying"]["spaces"]["face-judge"]["ratio"] for r in done if r.get("copying")]
                if ratios:
                    groups[f"{size}-{variant}"]["copy_ratio_judge"] = statistics.mean(ratios)
    return {"cells": rows, "groups": groups}


def markdown(summary: dict, meta: dict) -> str:
    lines = [f"**Small data: face-judge Fréchet distance (lower is better), {meta['steps']:,} steps**",
             "", f"`{meta['command']}` — {meta['machine']['date']}, {meta['machine']['cpu']} "
             f"({', '.join(meta['machine']['flags'])})", "",
             "| photos | augment | seeds | best (mean) | best range | last (mean) | last / best | nearest-photo ratio |",
             "|---|---|---|---|---|---|---|---|"]
    for key, g in summary["groups"].items():
        size, variant = key.split("-")
        lines.append(f"| {size} | {variant} | {g['seeds']} | {g['best_mean']:.2f} | {g['best_range'][0]:.2f}..{g['best_range'][1]:.2f} "
                     f"| {g['last_mean']:.2f} | {g['last_over_best']:.2f} | {_ratio(g.get('copy_ratio_judge'))} |")
    lines += ["", "Nearest-photo ratio: the mean face-judge distance of the best snapshot's 2,000 samples to their",
              "nearest training photo, over the same for held-out faces (1: as far as unseen faces; below 1: near copies).",
              "", "Cells (best at step / last):", ""]
    for cell, r in summary["cells"].items():
        state = "" if r["complete"] else f" (incomplete: to step {r['last']['step']})"
        copy = r.get("copying")
        copy_text = "; nearest-photo ratio " + ", ".join(f"{name} {v['ratio']:.2f}" for name, v in copy["spaces"].items()) if copy else ""
        lines.append(f"- `{cell}`: best {r['best']['fd']:.2f} at step {r['best']['step']}, last {r['last']['fd']:.2f}{state}{copy_text}")
    return "\n".join(lines) + "\n"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def plot(summary: dict, out: Path) -> None:
    fig = Figure(figsize=(9, 3.6), dpi=110, layout="constrained")
    axes = fig.subplots(1, len(SIZES), sharey=True)
    for ax, size in zip(axes, SIZES):
        for cell, r in summary["cells"].items():
            if not cell.startswith(f"{size}-"):
                continue
            _, variant, seed = cell.split("-")
            ax.plot([p["step"] for p in r["curve"]], [p["fd"] for p in r["curve"]], color=f"C{VARIANTS.index(variant)}",
                    linestyle="-" if seed == "s0" else "--", marker="o", markersize=2, label=f"{variant} {seed}")
            ax.plot([r["best"]["step"]], [r["best"]["fd"]], "o", fillstyle="none", markersize=8, color=f"C{VARIANTS.index(variant)}")
        ax.set(title=f"{size} photos", xlabel="generator step", yscale="log")
        ax.grid(True, alpha=0.3, which="both")
        if ax.get_legend_handles_labels()[0]:  # a size with no cell yet has nothing to name
            ax.legend(fontsize="small")
    axes[0].set_ylabel("face-judge Fréchet distance")
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--utk", default=str(UTK))
    p.add_argument("--runs", default="runs/small_data")
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--only", default="", help="comma-separated cells (e.g. 500-none-s0); default: all, in order")
    p.add_argument("--report-only", action="store_true")
    p.add_argument("--out", default=str(ROOT / "results" / "small_data.json"))
    args = p.parse_args()
    runs, utk = Path(args.runs), Path(args.utk)
    wanted = args.only.split(",") if args.only else cells()
    if not args.report_only:
        if not utk.is_file():
            raise SystemExit(f"small_data: {utk} not found (give --utk)")
        folders = make_folders(utk, runs / "data")
        judge = runs / "judge" / "judge.pt"
        if not judge.is_file():
            model, metrics, settings = train_judge(data="utkface", path=str(utk), epochs=4, seed=0)
            save_judge(model, judge, metrics, settings)
        for cell in wanted:
            run_cell(cell, folders, judge, utk, runs, args.steps, args.eval_every)
            report(runs, args)
    report(runs, args)
    return 0


def report(runs: Path, args) -> None:
    judge, utk = runs / "judge" / "judge.pt", Path(getattr(args, "utk", UTK))
    summary = summarise(runs, args.steps, lambda cell: copying(
        runs / cell, runs / "data" / f"photos{cell.split('-')[0]}", judge, utk))
    meta = {"steps": args.steps, "eval_every": args.eval_every, "machine": machine(),
            "command": "python -m studies.small_data" + (f" --steps {args.steps}" if args.steps != 3000 else ""),
            "measure": "face judge penultimate layer (128-d), 2,000 samples vs UTKFace's held-out test split (2,339)"}
    out = Path(args.out)
    write_text_atomic(out, json.dumps({**meta, **summary}, indent=2))
    write_text_atomic(out.with_suffix(".md"), markdown(summary, meta))
    if summary["cells"]:
        plot(summary, out.with_suffix(".png"))
    print(markdown(summary, meta))


if __name__ == "__main__":
    raise SystemExit(main())
