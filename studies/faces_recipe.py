"""Faces: what keeps the quality curve from rising after its best? (issue #38)

    python -m studies.faces_recipe                     # every cell, in order; resumes
    python -m studies.faces_recipe --only none,ada-ema
    python -m studies.faces_recipe --report-only       # tabulate what has run; names the winner

The last 25-epoch face run reached its best judge-space Fréchet distance at epoch 16 and got
worse after. Each cell here trains the same model (64x64 RGB, the default recipe, seed 0) on
UTKFace's ``train`` split + CelebA-10k for ``--steps`` generator steps with one change:
``none``; ``diffaug``; ``ada``; ``ema`` (G's moving average, ``train.ema_decay`` 0.999);
``ada-ema`` and ``diffaug-ema`` (both). The training loop scores it every ``--eval-every`` steps
in the face judge's space against UTKFace's held-out ``test`` faces (never trained on here) and
keeps ``best.pt``. The winner is the cell with the lowest mean of its last three evaluations
(a recipe that holds its quality, not one lucky snapshot); ties go to the simpler recipe.

Writes ``results/faces_recipe.{json,md,png}``; ``--print-winner`` prints the winner's settings as
``dcgan train --set`` options (what ``scripts/gpu.sh`` passes to ``scripts/faces.sh``).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from matplotlib.figure import Figure

from dcgan.atomic import atomic_path, write_text_atomic
from dcgan.evaluation.judge import save_judge
from dcgan.evaluation.train_judge import train_judge
from studies.common import machine, metric_records, train_or_resume

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"
CELLS = {  # name -> the change, as config overrides; in order of simplicity
    "none": {},
    "ema": {"train.ema_decay": 0.999},
    "diffaug": {"train.augment": "diffaug"},
    "ada": {"train.augment": "ada"},
    "diffaug-ema": {"train.augment": "diffaug", "train.ema_decay": 0.999},
    "ada-ema": {"train.augment": "ada", "train.ema_decay": 0.999},
}
HOLD = 3  # evaluations at the end a recipe is judged on


def overrides(cell: str, utk: Path, celeba: Path, judge: Path, eval_every: int, extra: dict) -> dict:
    return {"data.name": f"utkface:{utk},{celeba}", "data.split": "train", "model.resolution": 64, "model.channels": 3,
            "train.seed": 0, "train.eval_every": eval_every, "train.checkpoint_every": eval_every,
            "train.eval_features": "face-judge", "train.eval_weights": str(judge),
            "train.eval_reference": f"utkface:{utk}", "train.tensorboard": False, **CELLS[cell], **extra}


def summarise(runs: Path, steps: int) -> dict:
    rows = {}
    for cell in CELLS:
        curve = [{"step": r["step"], "fd": r["fid"]} for r in metric_records(runs / cell, "fid")]
        if not curve:
            continue
        best = min(curve, key=lambda r: r["fd"])
        tail = [r["fd"] for r in curve[-HOLD:]]
        rows[cell] = {"curve": curve, "best": best, "last": curve[-1], "held": statistics.mean(tail),
                      "complete": curve[-1]["step"] >= steps, "settings": CELLS[cell]}
    done = {c: r for c, r in rows.items() if r["complete"]}
    winner = min(done, key=lambda c: (round(done[c]["held"], 2), list(CELLS).index(c))) if done else None
    return {"cells": rows, "winner": winner}


def markdown(summary: dict, meta: dict) -> str:
    lines = [f"**Faces recipe: judge-space Fréchet distance (lower is better), {meta['steps']:,} steps**", "",
             f"`{meta['command']}` — {meta['machine']['date']}, {meta['machine']['cpu']} ({', '.join(meta['machine']['flags'])})",
             "", f"| recipe | best | at step | last | mean of the last {HOLD} | complete |", "|---|---|---|---|---|---|"]
    for cell, r in summary["cells"].items():
        lines.append(f"| {cell} | {r['best']['fd']:.2f} | {r['best']['step']:,} | {r['last']['fd']:.2f} | {r['held']:.2f} "
                     f"| {'yes' if r['complete'] else 'no (to step ' + format(r['last']['step'], ',') + ')'} |")
    lines += ["", f"Winner (lowest mean of the last {HOLD} evaluations, finished cells): "
              f"{summary['winner'] or 'none yet'}"]
    return "\n".join(lines) + "\n"


def plot(summary: dict, out: Path) -> None:
    fig = Figure(figsize=(6, 3.6), dpi=110, layout="constrained")
    ax = fig.subplots()
    for i, (cell, r) in enumerate(summary["cells"].items()):
        ax.plot([p["step"] for p in r["curve"]], [p["fd"] for p in r["curve"]], marker="o", markersize=2, color=f"C{i}",
                label=cell)
    ax.set(xlabel="generator step", ylabel="face-judge Fréchet distance", yscale="log")
    ax.grid(True, alpha=0.3, which="both")
    if summary["cells"]:
        ax.legend(fontsize="small")
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png")


def as_set_options(settings: dict) -> str:
    return " ".join(f"--set {k}={v}" for k, v in settings.items())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--utk", default=str(SHARED / "utkface-64.zip"))
    p.add_argument("--celeba", default=str(SHARED / "celeba-10k.zip"))
    p.add_argument("--runs", default="runs/faces_recipe")
    p.add_argument("--steps", type=int, default=4000, help="past the old run's peak (about 4,200 steps at 64 px)")
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--only", default="", help="comma-separated cells; default: all, in order")
    p.add_argument("--set", dest="extra", action="append", default=[], metavar="KEY=VALUE",
                   help="more config for every cell (tiny runs in tests)")
    p.add_argument("--report-only", action="store_true")
    p.add_argument("--print-winner", action="store_true", help="print the winner as dcgan train --set options")
    p.add_argument("--out", default=str(ROOT / "results" / "faces_recipe.json"))
    args = p.parse_args()
    runs, utk, celeba = Path(args.runs), Path(args.utk), Path(args.celeba)
    extra = dict(kv.split("=", 1) for kv in args.extra)
    if not (args.report_only or args.print_winner):
        for f in (utk, celeba):
            if not f.is_file():
                raise SystemExit(f"faces_recipe: {f} not found (give --utk / --celeba)")
        judge = runs / "judge" / "judge.pt"
        if not judge.is_file():
            model, metrics, settings = train_judge(data="utkface", path=str(utk), epochs=4, seed=0)
            save_judge(model, judge, metrics, settings)
        for cell in args.only.split(",") if args.only else CELLS:
            train_or_resume(runs / cell, overrides(cell, utk, celeba, judge, args.eval_every, extra), args.steps)
            report(runs, args)
    summary = report(runs, args, quiet=args.print_winner)
    if args.print_winner:
        print(as_set_options(CELLS[summary["winner"]]) if summary["winner"] else "")
    return 0


def report(runs: Path, args, quiet: bool = False) -> dict:
    summary = summarise(runs, args.steps)
    meta = {"steps": args.steps, "eval_every": args.eval_every, "machine": machine(),
            "command": "python -m studies.faces_recipe" + (f" --steps {args.steps}" if args.steps != 4000 else "")}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, json.dumps({**meta, **summary}, indent=2))
    write_text_atomic(out.with_suffix(".md"), markdown(summary, meta))
    if summary["cells"]:
        plot(summary, out.with_suffix(".png"))
    if not quiet:
        print(markdown(summary, meta))
    return summary


if __name__ == "__main__":
    raise SystemExit(main())
