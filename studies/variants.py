"""The reading notes' variants side by side on the default data (Fashion-MNIST), same short budget.

    python -m studies.variants [--epochs 1] [--steps N] [--variants dcgan upconv mean-channel class-aware]
                                  [--seeds 0] [--n-samples 10000] [--n-reference 10000] [--device auto]

Each variant is trained by the one loop (``dcgan.training.loop.train``) for the same budget, with
``train.ema_decay`` on (default 0.999), and both of its generators are evaluated: the raw G ("raw")
and its moving average ("ema"). EMA never feeds back into training, so a run's raw G is exactly
the run without EMA: the EMA comparison costs no extra training.

- **dcgan vs upconv** (the paper's fractionally-strided model at 32 px vs the Keras tutorial's
  upsample+conv model at its 28 px): quality and training speed (images/s; wall time).
- **mean-channel** vs dcgan: does the batch-mean channel change recall/coverage (mode coverage)?
- **class-aware** (AC-GAN, labels 0..9 in equal numbers) vs dcgan: the class histogram of the
  samples, measured with the evaluation classifier (the shipped Fashion-MNIST CNN's logits),
  next to that of real test images; and how often the classifier agrees with the asked label.
- **raw vs ema** for every variant.
- ``k2-lowlr`` (k = 2 D steps per G step, lr_g = 1e-4; Goodfellow et al. 2014) is available with
  ``--variants``; not in the default set. Its budget counts epochs of data, so it makes half as many
  G steps.

Quality: ``dcgan.evaluation.evaluate.evaluate_samples`` in the ``fashion-cnn`` feature space
(Fréchet distance "FD", KID, precision/recall/density/coverage) against the test split; samples at
28 px are resized to the classifier's 32 px by the package's one resize policy, exactly as the
28 px reference images are, so both models are measured the same way.

Writes ``results/variants.json``, ``results/variants.md`` and pictures under ``results/variants/``
(per-class grids: class-aware samples by asked class; unconditional samples sorted by the class
the classifier predicts; one picture of all class histograms). One seed per variant by default:
differences smaller than the spread over ``--seeds 0 1 2`` are noise; the markdown says so.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from dcgan.config import resolve_config
from dcgan.core.checkpoint import load_checkpoint
from dcgan.core.run import load_generator
from dcgan.data import open_dataset
from dcgan.evaluation.evaluate import evaluate_samples
from dcgan.evaluation.features.classifier import load_fashion_cnn, predict
from dcgan.evaluation.reference import subset_indices
from dcgan.images import save_grid
from dcgan.models.conditional import default_labels
from dcgan.sampling import generate, seeded_z
from studies.common import finished_steps, train_or_resume

VARIANTS: dict[str, tuple[str, dict]] = {
    "dcgan": ("the paper's model (pytorch preset), 32 px", {}),
    "upconv": ("Keras tutorial upsample+conv model, 28 px", {"model.arch": "upconv"}),
    "mean-channel": ("dcgan + batch-mean channel for D", {"model.mean_channel": True}),
    "class-aware": ("dcgan + AC-GAN (label to G, class head on D)", {"model.num_classes": 10}),
    "k2-lowlr": ("dcgan, k=2 D steps per G step, lr_g=1e-4", {"train.d_steps": 2, "train.lr_g": 1e-4}),
}
DEFAULT_VARIANTS = ["dcgan", "upconv", "mean-channel", "class-aware"]
METRICS = ("fid", "kid", "prdc")
SHOWN = ("fid", "kid_mean", "precision", "recall", "density", "coverage")
EVAL_SEED = 12_345
NUM_CLASSES = 10


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--variants", nargs="+", default=DEFAULT_VARIANTS, choices=sorted(VARIANTS))
    p.add_argument("--epochs", type=float, default=1.0, help="training budget per variant, in epochs of data")
    p.add_argument("--steps", type=int, default=0, help="G steps per variant instead of --epochs (smoke tests)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--ema-decay", type=float, default=0.999)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--g-width", type=int, default=0, help="override model.g_width (0: preset's)")
    p.add_argument("--d-width", type=int, default=0, help="override model.d_width (0: preset's)")
    p.add_argument("--data", default="fashion-mnist")
    p.add_argument("--data-path", default="")
    p.add_argument("--n-samples", type=int, default=10000, help="samples per evaluation")
    p.add_argument("--n-reference", type=int, default=10000, help="test images in the reference set")
    p.add_argument("--per-class", type=int, default=10, help="images per class row in the pictures")
    p.add_argument("--device", default="auto")
    p.add_argument("--runs-dir", default="runs/variants", help="run directories (reused: finished runs are not retrained)")
    p.add_argument("--out", default="results/variants.json", help="JSON; the .md and the pictures folder sit beside it")
    p.add_argument("--cache-dir", default="results/cache")
    return p.parse_args(argv)


def run_overrides(args, variant: str, seed: int) -> dict:
    """The run's config as dotted overrides (``studies/common.train_or_resume`` adds its folder)."""
    values = {
        "data.name": args.data, "data.path": args.data_path, "train.seed": seed,
        "train.batch_size": args.batch_size, "train.ema_decay": args.ema_decay, "train.device": args.device,
        "train.tensorboard": False, **VARIANTS[variant][1],
    }
    if args.steps > 0:
        values["train.max_steps"] = args.steps
        values["train.log_every"] = max(1, min(50, args.steps // 4))
    else:
        values["train.epochs"] = args.epochs
    if args.g_width:
        values["model.g_width"] = args.g_width
    if args.d_width:
        values["model.d_width"] = args.d_width
    resolve_config({}, values)  # bad settings fail here, before any training
    return values


def train_or_reuse(values: dict, run_dir: Path) -> dict:
    """Train, finish or reuse the run (``studies/common.train_or_resume``); speed from its own ticks."""
    reused = finished_steps(run_dir) > 0
    start = time.perf_counter()
    train_or_resume(run_dir, values, progress=sys.stderr.isatty())
    wall = time.perf_counter() - start
    ticks = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    ticks = [t for t in ticks if "images_per_s" in t]
    speeds = [t["images_per_s"] for t in ticks[1:]] or [t["images_per_s"] for t in ticks]  # first tick: warm-up
    state = load_checkpoint(run_dir)
    return {
        "steps": int(state["step"]),
        "images_seen": int(state["cursor"]) * int(values["train.batch_size"]),
        "images_per_s_median": float(np.median(speeds)) if speeds else None,
        "train_seconds_this_call": None if reused else round(wall, 1),  # a reused run's time is unknown
        "last_diversity": ticks[-1].get("diversity") if ticks else None,
        "interrupted": False,  # an interrupted run stops the study (train_or_resume raises)
    }


def class_histogram(predicted: np.ndarray) -> np.ndarray:
    return np.bincount(predicted, minlength=NUM_CLASSES)[:NUM_CLASSES] / max(1, len(predicted))


def balance(hist: np.ndarray, real_hist: np.ndarray) -> dict:
    """How evenly the classes are drawn: total variation from uniform and from real data's histogram."""
    return {
        "class_hist": [round(float(v), 4) for v in hist],
        "tv_from_uniform": float(0.5 * np.abs(hist - 1 / NUM_CLASSES).sum()),
        "tv_from_real": float(0.5 * np.abs(hist - real_hist).sum()),
        "rarest_class_share": float(hist.min()),
    }


def per_class_grid(samples: torch.Tensor, rows: np.ndarray, per_class: int, path: Path) -> Path:
    """One row per class: the first ``per_class`` samples whose row index is that class; blanks fill short rows."""
    blank = torch.full_like(samples[0], 255)
    cells = []
    for c in range(NUM_CLASSES):
        idx = np.flatnonzero(rows == c)[:per_class]
        cells += [samples[i] for i in idx] + [blank] * (per_class - len(idx))
    return save_grid(torch.stack(cells), path, nrow=per_class, scale=2)


def histogram_picture(hists: dict[str, np.ndarray], class_names: list[str], path: Path) -> Path:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.2))
    ax = fig.add_subplot(111)
    width = 0.8 / len(hists)
    for i, (name, h) in enumerate(hists.items()):
        ax.bar(np.arange(NUM_CLASSES) + (i - (len(hists) - 1) / 2) * width, h, width, label=name)
    ax.axhline(1 / NUM_CLASSES, color="k", ls="--", lw=0.8)
    ax.set_xticks(np.arange(NUM_CLASSES), class_names, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("share of samples (classifier's prediction)")
    ax.set_title("Class histograms of samples, measured by the evaluation classifier (dashed: uniform)")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


def evaluate_generator(args, run_dir: Path, use_ema: bool, classifier, real_hist, pictures: Path, tag: str) -> dict:
    g, cfg = load_generator(run_dir, "cpu", use_ema=use_ema)
    z = seeded_z(EVAL_SEED, args.n_samples, cfg.model.z_dim, cfg.model.z_dist)
    asked = default_labels(args.n_samples, cfg.model.num_classes) if cfg.model.num_classes else None
    start = time.perf_counter()
    samples = generate(g, z, labels=asked)
    result = evaluate_samples(samples, reference=args.data, reference_path=args.data_path, n_reference=args.n_reference,
                              features="fashion-cnn", metrics=METRICS, seed=0, cache_dir=args.cache_dir)
    predicted = predict(classifier, samples)
    out = {k: result["metrics"][k] for k in SHOWN if k in result["metrics"]}
    out.update(balance(class_histogram(predicted), real_hist))
    if asked is not None:
        out["label_agreement"] = float((predicted == asked.numpy()).mean())
    rows = asked.numpy() if asked is not None else predicted
    out["per_class_png"] = str(per_class_grid(samples, rows, args.per_class, pictures / f"{tag}_per_class.png"))
    out["eval_seconds"] = round(time.perf_counter() - start, 1)
    out["feature_space"] = result["feature_space"]["name"]
    out["reference"] = f"{result['reference'].get('dataset')}/{result['reference'].get('split')} ({result['reference'].get('count')})"
    return out


def aggregate(per_seed: list[dict]) -> dict:
    """Mean (and std over seeds when there are several) of every numeric entry."""
    out: dict = {}
    for key, value in per_seed[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and all(key in r and r[key] is not None for r in per_seed):
            values = [r[key] for r in per_seed]
            out[key] = float(np.mean(values))
            if len(values) > 1:
                out[key + "_std"] = float(np.std(values, ddof=1))
        elif key == "class_hist":
            out[key] = [round(float(v), 4) for v in np.mean([r[key] for r in per_seed], axis=0)]
    return out


def markdown(summary: dict, args) -> str:
    budget = f"{args.steps} G steps" if args.steps else f"{args.epochs:g} epoch(s)"
    lines = [
        "# Variants side by side",
        "",
        f"Data: {args.data}; budget {budget} per variant, batch {args.batch_size}, seeds {args.seeds}; "
        f"{args.n_samples} samples vs {summary['reference']} in the `{summary['feature_space']}` feature space "
        "(FD: Fréchet distance in that space; lower is better; precision/recall/density/coverage higher is better). "
        f"`raw`: the trained G; `ema`: its moving average (decay {args.ema_decay}).",
        "",
        "| variant | G | FD | KID | precision | recall | density | coverage | class TV from uniform | rarest class | images/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def cell(r, key, fmt):
        if key not in r:
            return "-"
        text = format(r[key], fmt)
        return text + (f" ± {format(r[key + '_std'], fmt)}" if key + "_std" in r else "")

    for variant, entry in summary["variants"].items():
        for which in ("raw", "ema"):
            r = entry[which]
            speed = cell(entry["training"], "images_per_s_median", ".0f") if which == "raw" else ""
            lines.append(
                f"| {variant} | {which} | {cell(r, 'fid', '.2f')} | {cell(r, 'kid_mean', '.4f')} | {cell(r, 'precision', '.3f')} "
                f"| {cell(r, 'recall', '.3f')} | {cell(r, 'density', '.3f')} | {cell(r, 'coverage', '.3f')} "
                f"| {cell(r, 'tv_from_uniform', '.3f')} | {cell(r, 'rarest_class_share', '.3f')} | {speed} |"
            )
    lines += ["", f"Real test images, same classifier: class TV from uniform {summary['real_tv_from_uniform']:.3f} "
              "(the classifier's own errors: the floor for any sample set).", ""]
    cls = summary["variants"].get("class-aware")
    if cls:
        lines.append(f"Class-aware G: the classifier agrees with the asked label for {cls['raw'].get('label_agreement', 0):.1%} "
                     f"(raw) / {cls['ema'].get('label_agreement', 0):.1%} (ema) of samples.")
        lines.append("")
    lines += [
        "Pictures: `variants/<variant>-<raw|ema>_per_class.png` (one row per class: the asked class for the class-aware "
        "model, the classifier's predicted class otherwise; blank cells: fewer samples of that class), "
        "`variants/class_histograms.png`.",
        "",
        "Caveats: a short budget favours models that learn fast, not the best model at convergence; with one seed, "
        "differences of a few FD units or a few points of recall/coverage are within run-to-run noise "
        "(rerun with `--seeds 0 1 2` to see the spread). Speeds are from the runs' own logs on this machine "
        f"({summary['device']}).",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    args = parse_args(argv)
    out = Path(args.out)
    pictures = out.with_suffix("")  # results/variants/
    pictures.mkdir(parents=True, exist_ok=True)
    classifier, _ = load_fashion_cnn()
    test = open_dataset(args.data, resolution=32, channels=1, split="test", path=args.data_path)
    index = torch.from_numpy(subset_indices(len(test), args.n_reference, 0))
    real_hist = class_histogram(predict(classifier, test.images[index]))
    class_names = list(getattr(test, "class_names", None) or [str(i) for i in range(NUM_CLASSES)])[:NUM_CLASSES]
    summary: dict = {"variants": {}, "real_class_hist": [round(float(v), 4) for v in real_hist],
                     "real_tv_from_uniform": float(0.5 * np.abs(real_hist - 1 / NUM_CLASSES).sum()),
                     "class_names": class_names, "command": " ".join(sys.argv), "args": vars(args)}
    hists: dict[str, np.ndarray] = {"real test images": real_hist}
    start = time.perf_counter()
    for variant in args.variants:
        per_seed = {"training": [], "raw": [], "ema": []}
        for seed in args.seeds:
            run_dir = Path(args.runs_dir) / f"{variant}-s{seed}"
            values = run_overrides(args, variant, seed)
            print(f"== {variant} (seed {seed}): {VARIANTS[variant][0]} -> {run_dir}", file=sys.stderr)
            per_seed["training"].append(train_or_reuse(values, run_dir))
            for which in ("raw", "ema"):
                tag = f"{variant}-{which}" + (f"-s{seed}" if len(args.seeds) > 1 else "")
                r = evaluate_generator(args, run_dir, which == "ema", classifier, real_hist, pictures, tag)
                per_seed[which].append(r)
                summary.setdefault("feature_space", r["feature_space"])
                summary.setdefault("reference", r["reference"])
        entry = {"description": VARIANTS[variant][0], "overrides": VARIANTS[variant][1],
                 **{k: aggregate(v) for k, v in per_seed.items()}, "per_seed": per_seed}
        summary["variants"][variant] = entry
        for which in ("raw", "ema"):
            hists[f"{variant} ({which})"] = np.array(entry[which]["class_hist"])
        # write as we go, so an interrupted benchmark keeps what it has
        summary["seconds"] = round(time.perf_counter() - start, 1)
        out.write_text(json.dumps(summary, indent=2) + "\n")
    from dcgan.core.device import resolve_device

    summary["device"] = str(resolve_device(args.device))
    summary["histograms_png"] = str(histogram_picture(hists, class_names, pictures / "class_histograms.png"))
    summary["seconds"] = round(time.perf_counter() - start, 1)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    md = out.with_suffix(".md")
    md.write_text(markdown(summary, args))
    print(md.read_text())
    print(f"wrote {out}, {md}, {pictures}/ ({summary['seconds']} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
