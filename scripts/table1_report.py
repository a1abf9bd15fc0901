"""Table 1 assembled: our rows under the paper's protocol beside the published figures, and the
figure of D's CIFAR-10 accuracy against training step with the fixed-noise samples at each point.

    python scripts/table1_report.py [--results results/classify_cifar10_table1] [--figure PNG]

The runs and tables it assembles are data, not flags: ``RESULTS/runs.json`` lists each table
(a ``dcgan classify`` table.json written by ``scripts/table1.sh table``, with the row names and
the command that made it) and each curve (a folder of ``scripts/table1.sh curve`` tables, with
the run directory whose snapshots the figure shows when it is here). A new run is a new entry.

Writes RESULTS/table.md and RESULTS/table.json (every number with its source file, command and
checkpoint step) and the figure. Rows whose inputs are missing are listed as not run.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = [  # the paper's Table 1 and the K-means paper (../shared/PAPER.md)
    ("DCGAN (paper) + L2-SVM, trained on ImageNet-1k", 0.828, (0.738, 0.004), 28672),
    ("1-layer K-means (as quoted in the paper)", 0.806, (0.637, 0.007), 4800),
    ("1-layer K-means, K=1600 (Coates, Lee & Ng 2011)", 0.779, None, 6400),
    ("1-layer K-means, K=4000 (Coates, Lee & Ng 2011)", 0.796, None, 16000),
]


def _load(path: Path):
    return json.loads(path.read_text()) if path.is_file() else None


def _rel(path: Path) -> str:
    """A source path as the table shows it: relative to the repository when inside it."""
    path = Path(path).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _row(name, source, accuracy, few=None, features=None, C=None, step=None, command="", note=""):
    return {"model": name, "accuracy": accuracy, "few_label_mean": few[0] if few else None,
            "few_label_std": few[1] if few else None, "features": features, "C": C, "step": step,
            "source": source, "command": command, "note": note}


def classify_rows(table_paths, names: dict[str, str], command: str) -> list[dict]:
    """Rows of ``names``' methods from one or several ``dcgan classify`` table.json files."""
    table_paths = [table_paths] if isinstance(table_paths, Path) else list(table_paths)
    found = {}
    for table_path in table_paths:
        table = _load(table_path)
        for r in (table or {}).get("rows", []):
            found[r["method"]] = (r, table, table_path)
    rows = []
    for method, label in names.items():
        if method not in found:
            rows.append(_row(label, "", None, command=command, note="not run"))
            continue
        r, table, table_path = found[method]
        few = (r["few_label_mean"], r["few_label_std"]) if r.get("few_label") else None
        # Only a trained D has a training step; random filters and pixels do not depend on one.
        step = table["meta"].get("step") if method == "dcgan" else None
        rows.append(_row(label, _rel(table_path), r["accuracy"], few,
                         r["feature_dim"], r["C"], step, command))
    return rows


def kmeans_rows(folder: Path) -> list[dict]:
    rows = []
    for path in sorted(folder.glob("*.json")):
        r = _load(path)
        shifts = r.get("grid_shift") or []
        shifts = shifts if isinstance(shifts, list) else [shifts]
        times = f" {len(shifts)} times" if len(shifts) > 1 else ""
        where = "grids" if len(shifts) > 1 else "a grid"
        grid = f"{times} on {where} shifted {'/'.join(map(str, shifts))} px" if shifts else ""
        extra = f", re-encoded JPEG q{r['jpeg_quality']}{grid} (+{r['added_mae_255']:.2f}/255)" if r["jpeg_quality"] else ""
        name = f"1-layer K-means, K={r['centroids']}, {r['patches']:,} patches, {r['iterations']} iterations{extra}"
        rows.append(_row(name, _rel(path), r["accuracy"], None, r["features"], r["C"],
                         command=f"python scripts/kmeans_cifar10.py --variants {r['variant']}"))
    return rows


def curve(folder: Path) -> list[dict]:
    """400-per-class accuracy of D against step, one point per ``table1.sh curve`` table in
    ``folder`` (step_NNNNNN/table.json); a random-D table there is step 0."""
    points = {}
    for path in sorted(folder.glob("step_*/table.json")):
        table = _load(path)
        for r in table["rows"]:
            if r["method"] not in ("dcgan", "random") or not r.get("few_label"):
                continue
            step = table["meta"]["step"] if r["method"] == "dcgan" else 0
            points[step] = {"step": step, "few_label_mean": r["few_label_mean"], "few_label_std": r["few_label_std"],
                            "draws": len(r["few_label"]), "n_train": table["meta"]["n_train"],
                            "n_test": table["meta"]["n_test"], "source": _rel(path)}
    return [points[k] for k in sorted(points)]


def _snapshots(run: Path) -> dict[int, Path]:
    """Step -> fixed-noise grid: the old bash-chunked runs kept them in snapshots/, the library's
    train.snapshot_every in samples/step_NNNNNN.png beside checkpoints/snapshots/step_NNNNNN.pt."""
    old = {int(p.stem.split("_")[1]): p for p in sorted((run / "snapshots").glob("step_*.png"))}
    kept = {int(p.stem.split("_")[1]) for p in (run / "checkpoints" / "snapshots").glob("step_*.pt")}
    new = {s: run / "samples" / f"step_{s:06d}.png" for s in kept if (run / "samples" / f"step_{s:06d}.png").is_file()}
    return {**old, **new}


def _panel_steps(snaps: dict[int, Path], points: list[dict], most: int = 6) -> list[int]:
    """At most ``most`` snapshot steps to show, spread evenly from the first to the last snapshot,
    preferring steps the curve measured, so the panels show the whole run and not only its end."""
    measured = sorted(p["step"] for p in points if p["step"] in snaps)
    pool = sorted(set(measured if len(measured) >= most else snaps) | {max(snaps)})
    if len(pool) <= most:
        return pool
    return sorted({pool[round(i * (len(pool) - 1) / (most - 1))] for i in range(most)})


def figure(curves: dict[str, tuple[Path, list[dict]]], out: Path) -> bool:
    """One row of fixed-noise samples per run (label -> (run dir, curve points)), then the curves."""
    rows = [(label, _snapshots(run), points) for label, (run, points) in curves.items()]
    rows = [(label, snaps, points) for label, snaps, points in rows if snaps]
    if not rows and not any(points for _, points in curves.values()):
        print("figure: no snapshots or curve yet")
        return False
    if not rows and out.exists():  # a machine without the run directories: keep the figure that shows samples
        print(f"figure: no snapshots under {', '.join(str(run) for run, _ in curves.values())}; kept {out}")
        return False
    width = max([2] + [len(_panel_steps(snaps, points)) for _, snaps, points in rows])
    fig = plt.figure(figsize=(3.2 * width, 3.2 * (len(rows) + 1)))
    grid = fig.add_gridspec(len(rows) + 1, width)
    for r, (label, snaps, points) in enumerate(rows):
        for i, step in enumerate(_panel_steps(snaps, points)):
            ax = fig.add_subplot(grid[r, i])
            image = np.asarray(Image.open(snaps[step]).convert("RGB"))
            ax.imshow(image[: image.shape[0] // 2, : image.shape[1] // 2])  # the first 16 of 64 fixed-noise samples
            ax.set_title(f"{label}: step {step}", fontsize=9)
            ax.axis("off")
    ax = fig.add_subplot(grid[len(rows), :])
    for label, (_, points) in curves.items():
        if points:
            ax.errorbar([p["step"] for p in points], [100 * p["few_label_mean"] for p in points],
                        yerr=[100 * p["few_label_std"] for p in points], marker="o", capsize=3,
                        label=f"Table 1 D trained on {label}, 400 labels/class")
    ax.axhline(73.8, color="gray", ls="--", label="paper, 400 labels/class (73.8%)")
    ax.set_xlabel("generator step (batch 128; step 0 = random weights)")
    ax.set_ylabel("CIFAR-10 test accuracy (%)")
    ax.legend(loc="lower right", fontsize=8)  # the curves rise from the lower left
    ax.grid(alpha=0.3)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return True


def _pct(v):
    return "—" if v is None else f"{100 * v:.1f}%"


def markdown(rows: list[dict], curves: dict[str, list[dict]]) -> str:
    lines = ["| model | accuracy | 400 per class | # features | C | checkpoint step | source |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        few = "—" if r["few_label_mean"] is None else f"{_pct(r['few_label_mean'])} (±{100 * r['few_label_std']:.1f}%)"
        c = "—" if r["C"] is None else f"{r['C']:g}"
        step = "—" if r["step"] is None else r["step"]
        note = f" {r['note']}" if r["note"] else ""
        lines.append(f"| {r['model']} | {_pct(r['accuracy'])}{note} | {few} | {r['features'] or '—'} | {c} | {step} | "
                     f"{r['source']} |")
    by_step = {label: {p["step"]: p for p in points} for label, points in curves.items() if points}
    if by_step:
        sizes = sorted({(p["draws"], p["n_train"], p["n_test"]) for v in by_step.values() for p in v.values()})
        lines += ["", "D's features against training step (400 labels per class, CIFAR-10 test accuracy; "
                  + "; ".join(f"{d} draws, {a} / {b} train / test images" for d, a, b in sizes) + "):", "",
                  "| step | " + " | ".join(f"trained on {label}" for label in by_step) + " |",
                  "|---|" + "---|" * len(by_step)]
        for step in sorted({s for v in by_step.values() for s in v}):
            cells = [f"{_pct(v[step]['few_label_mean'])} (±{100 * v[step]['few_label_std']:.1f}%)" if step in v else "—"
                     for v in by_step.values()]
            lines.append(f"| {step} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", default=str(ROOT / "results" / "classify_cifar10_table1"))
    parser.add_argument("--figure", default=str(ROOT / "docs" / "img" / "table1_progress.png"))
    args = parser.parse_args(argv)
    results = Path(args.results)
    history = json.loads((results / "runs.json").read_text())
    rows = []
    for entry in history["tables"]:
        if "kmeans" in entry:
            rows += kmeans_rows(results / entry["kmeans"])
            continue
        paths = sorted(results.glob(entry["table"])) if "*" in entry["table"] else results / entry["table"]
        rows += classify_rows(paths, entry["names"], entry["command"])
    rows += [_row(name, "../shared/PAPER.md (published)", acc, few, feats) for name, acc, few, feats in PUBLISHED]
    curves = {c["label"]: curve(results / c["curve"]) for c in history["curves"]}
    first = next(iter(curves.values()), [])
    for points in list(curves.values())[1:]:  # step 0 is the same random D (same architecture and seed) for every run
        if points and first and first[0]["step"] == 0 and points[0]["step"] != 0:
            points.insert(0, first[0])
    (results / "table.md").write_text(markdown(rows, curves))
    (results / "table.json").write_text(json.dumps(
        {"rows": rows, **{c["curve"]: curves[c["label"]] for c in history["curves"]}}, indent=1) + "\n")
    drew = figure({c["label"]: (ROOT / c["run_dir"], curves[c["label"]]) for c in history["curves"]}, Path(args.figure))
    print((results / "table.md").read_text())
    if drew:
        print(f"figure: {args.figure}")


if __name__ == "__main__":
    main()
