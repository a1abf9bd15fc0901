"""Is bf16 + channels-last as good as fp32? The main job's recipe, several seeds of each, measured.

    python -m studies.precision_equivalence                     # 3 seeds x {fp32, bf16}, 5 epochs each
    python -m studies.precision_equivalence --seeds 0,1,2,3 --epochs 5

Each run is the main job (``scripts/main.sh``): default config (pytorch preset, Fashion-MNIST 32x32
grey, batch 128) for ``--epochs`` epochs, with ``train.seed`` = the seed, then 10,000 samples
(noise seed 0) against the 10,000 test images in the shipped Fashion-MNIST classifier's feature
space (``dcgan evaluate``'s defaults). The variants differ only in precision and memory format:

    fp32   train.precision=fp32, train.channels_last=false   (the defaults before bf16 was)
    bf16        train.precision=bf16, train.channels_last=true, train.batchnorm_fp32=false
    bf16-bn32   as bf16 with BatchNorm computed in float32: what ``auto`` gives on a bf16 CPU

"Equal" is the criterion of the issue that asked for this: bf16's mean lies within the fp32
seeds' spread (min..max); outside it, the table says whether it is better or worse, and
Welch's t-test gives the two-sided p-value of the difference of means (few seeds: a guide only).
Runs live in ``--runs`` (one folder each, resumed or skipped when complete; runs recorded in
``--out`` at the same epochs are reused too), so an interrupted study continues where it stopped
and a new variant can join an old study. Writes ``--out`` (JSON: every run's metrics, wall-clock
and images/s, the per-variant mean ± std) and the same table as markdown beside it.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import time
from pathlib import Path

import scipy.stats

from dcgan.config import config_from_dict
from dcgan.core.checkpoint import load_checkpoint
from dcgan.core.device import speed_flags
from dcgan.evaluation.evaluate import evaluate_samples, generate_from_checkpoint
from studies.common import finished_steps, train_or_resume

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {
    "fp32": {"train.precision": "fp32", "train.channels_last": False},
    "bf16": {"train.precision": "bf16", "train.channels_last": True, "train.batchnorm_fp32": False},
    # bf16 with BatchNorm (forward and backward) in float32: core/device.py::batchnorm_in_float32_
    "bf16-bn32": {"train.precision": "bf16", "train.channels_last": True, "train.batchnorm_fp32": True},
}
METRICS = ("fid", "kid_mean", "precision", "recall", "density", "coverage")  # evaluation/metrics.py keys
LOWER_IS_BETTER = {"fid", "kid_mean"}


def run_one(variant: str, seed: int, epochs: float, runs: Path) -> dict:
    """Train (or finish, or reuse: ``studies/common.train_or_resume``) one run, then evaluate it."""
    run_dir = runs / f"{variant}-seed{seed}"
    record_file = run_dir / "equivalence.json"
    if record_file.exists():
        return json.loads(record_file.read_text())
    resumed = finished_steps(run_dir) > 0
    start = time.perf_counter()
    train_or_resume(run_dir, {"train.seed": seed, "train.epochs": epochs, **VARIANTS[variant]})
    train_seconds = time.perf_counter() - start
    cfg = config_from_dict(load_checkpoint(run_dir)["config"])
    samples, _ = generate_from_checkpoint(run_dir, 10_000, seed=0)
    metrics = evaluate_samples(samples, reference=cfg.data.name, split="test")["metrics"]
    steps = load_checkpoint(run_dir)["step"]
    record = {
        "variant": variant, "seed": seed, "epochs": epochs, "steps": steps,
        # the time of this call's training (a resumed run: of its last part only)
        "train_seconds": train_seconds, "resumed": resumed,
        "images_per_s": None if resumed else steps * cfg.train.batch_size / train_seconds,
        **{name: float(metrics[name]) for name in METRICS},
    }
    record_file.write_text(json.dumps(record, indent=2))
    return record


def summarise(records: list[dict]) -> dict:
    """Per variant and metric: mean, std (sample, n-1), min, max; and each other variant's verdict
    against fp32, with Welch's p-value."""
    summary: dict = {}
    for variant in VARIANTS:
        rows = [r for r in records if r["variant"] == variant]
        if not rows:
            continue
        summary[variant] = {"seeds": [r["seed"] for r in rows]}
        for name in METRICS + ("images_per_s",):
            values = [r[name] for r in rows if r[name] is not None]
            if values:
                summary[variant][name] = {
                    "mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0,
                    "min": min(values), "max": max(values), "values": values,
                }
    for variant in [v for v in VARIANTS if v in summary and v != "fp32"] if "fp32" in summary else []:
        summary[f"{variant}_vs_fp32_spread"] = {
            name: verdict(summary[variant][name]["mean"], summary["fp32"][name], name) for name in METRICS}
        summary[f"{variant}_vs_fp32_p"] = {
            name: welch_p(summary[variant][name]["values"], summary["fp32"][name]["values"]) for name in METRICS}
    return summary


def welch_p(a: list[float], b: list[float]) -> float | None:
    if len(a) < 2 or len(b) < 2:
        return None
    p = scipy.stats.ttest_ind(a, b, equal_var=False).pvalue
    return None if math.isnan(p) else float(p)


def verdict(mean: float, spread: dict, name: str) -> str:
    """'within' fp32's min..max; else 'better' or 'worse' (lower is better for FD and KID, higher
    for the others)."""
    if spread["min"] <= mean <= spread["max"]:
        return "within"
    below = mean < spread["min"]
    return "better" if below == (name in LOWER_IS_BETTER) else "worse"


def markdown(summary: dict, command: str) -> str:
    variants = [v for v in VARIANTS if v in summary]
    others = [v for v in variants if v != "fp32" and "fp32" in summary]
    header = ["metric"] + [f"{v} (mean ± std, min..max)" for v in variants] + [f"{v} vs fp32 spread (p)" for v in others]
    lines = [f"`{command}`", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in METRICS + ("images_per_s",):
        cells = [name + (" (lower is better)" if name in LOWER_IS_BETTER else "")]
        for variant in variants:
            s = summary[variant].get(name)
            cells.append(f"{s['mean']:.4g} ± {s['std']:.2g} ({s['min']:.4g}..{s['max']:.4g})" if s else "-")
        for variant in others:
            mark = summary[f"{variant}_vs_fp32_spread"].get(name, "")
            p = summary[f"{variant}_vs_fp32_p"].get(name)
            mark = (f"**{mark}**" if mark == "worse" else mark) + (f" ({p:.2f})" if p is not None else "")
            cells.append(mark)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def previous_records(out: Path, epochs: float) -> dict[tuple[str, int], dict]:
    """Runs an earlier study wrote to ``out`` at the same epochs, by (variant, seed)."""
    try:
        runs = json.loads(out.read_text())["runs"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {(r["variant"], r["seed"]): r for r in runs if r.get("epochs") == epochs}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--epochs", type=float, default=5.0)
    p.add_argument("--variants", default="fp32,bf16", help="comma-separated subset of " + ",".join(VARIANTS))
    p.add_argument("--runs", default=str(ROOT / "runs" / "precision_equivalence"))
    p.add_argument("--out", default=str(ROOT / "results" / "precision_equivalence.json"))
    args = p.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    variants = [v for v in args.variants.split(",") if v]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        p.error(f"--variants: unknown {unknown}; use {sorted(VARIANTS)}")
    out = Path(args.out)
    known = previous_records(out, args.epochs)
    for seed in seeds:  # interleaved, so a study cut short still has every variant
        for variant in variants:
            if (variant, seed) not in known:
                known[(variant, seed)] = run_one(variant, seed, args.epochs, Path(args.runs))
                print(json.dumps(known[(variant, seed)]), flush=True)
    records = sorted(known.values(), key=lambda r: (r["seed"], list(VARIANTS).index(r["variant"])))
    summary = summarise(records)
    flags = speed_flags()
    command = (f"python -m studies.precision_equivalence --seeds {args.seeds} --epochs {args.epochs:g} "
               f"--variants {args.variants}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"command": command, "cpu": platform.processor() or platform.machine(), "cpu_flags": flags,
                               "runs": records, "summary": summary}, indent=2) + "\n")
    out.with_suffix(".md").write_text(markdown(summary, command))
    print(markdown(summary, command))
    print(f"wrote {out} and {out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
