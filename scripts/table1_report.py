"""Table 1 assembled: our rows under the paper's protocol beside the published figures, and the
figure of D's CIFAR-10 accuracy against training step with the fixed-noise samples at each point.

    python scripts/table1_report.py [--run3 runs/table1_run3] [--run runs/table1] [--run1 runs/table1_run1]
                                    [--run-cifar10 runs/table1_cifar10]
                                    [--results results/classify_cifar10_table1]

Three Tiny ImageNet runs of the same command and seed: run 1 (600 steps classified, fp32, on an
earlier machine, gone with it: its rows are RESULTS/table1_d and RESULTS/curve, its samples are kept
in docs/img/table1_progress_run1.png), run 2 (``--run``, 1,200 steps in fp32: RESULTS/table1_d_run2
and RESULTS/curve_run2; its directory went with its machine too, its samples are kept in
docs/img/table1_progress_run2.png) and run 3 (``--run3``, 6,000 steps on the bf16 path:
RESULTS/table1_d_run3 and RESULTS/curve_run3), written by ``RUN=... TABLE=... CURVE=... bash
scripts/table1.sh table|curve``. Runs whose directory is here show their samples in the figure.

Reads what ``scripts/table1.sh table|curve`` and ``scripts/kmeans_cifar10.py`` wrote (plus the
CIFAR-10-trained 4x4 DCGAN's table in results/classify_cifar10/), writes RESULTS/table.md and
RESULTS/table.json (every number with its source file, command and checkpoint step) and
docs/img/table1_progress.png. Rows whose inputs are missing are listed as not run.
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
    return {int(p.stem.split("_")[1]): p for p in sorted((run / "snapshots").glob("step_*.png"))}


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
    parser.add_argument("--run3", default=str(ROOT / "runs" / "table1_run3"), help="run 3's directory, if here")
    parser.add_argument("--run", default=str(ROOT / "runs" / "table1"), help="run 2's directory, if here")
    parser.add_argument("--run1", default=str(ROOT / "runs" / "table1_run1"), help="run 1's directory, if here")
    parser.add_argument("--run-cifar10", default=str(ROOT / "runs" / "table1_cifar10"))
    parser.add_argument("--results", default=str(ROOT / "results" / "classify_cifar10_table1"))
    parser.add_argument("--figure", default=str(ROOT / "docs" / "img" / "table1_progress.png"))
    args = parser.parse_args(argv)
    results, run = Path(args.results), Path(args.run)
    tables = sorted((results / "table1_d").glob("*/table.json"))
    rows = classify_rows(results / "table1_d_run3" / "dcgan" / "table.json", {
        "dcgan": "Table 1 D (3x3, 28,672 features) trained on Tiny ImageNet (run 3, bf16) + L2-SVM",
    }, "RUN=runs/table1_run3 TABLE=results/classify_cifar10_table1/table1_d_run3 METHODS=dcgan bash scripts/table1.sh table")
    rows += classify_rows(results / "table1_d_run2" / "dcgan" / "table.json", {
        "dcgan": "Table 1 D (3x3, 28,672 features) trained on Tiny ImageNet (run 2) + L2-SVM",
    }, "TABLE=results/classify_cifar10_table1/table1_d_run2 METHODS=dcgan bash scripts/table1.sh table")
    rows += classify_rows(tables, {
        "dcgan": "Table 1 D (3x3, 28,672 features) trained on Tiny ImageNet (run 1) + L2-SVM",
        "random": "Table 1 D with random weights + L2-SVM",
        "pixels": "Raw pixels + L2-SVM",
    }, "bash scripts/table1.sh table")
    rows += kmeans_rows(results / "kmeans")
    rows += classify_rows(results / "table1_d_cifar10" / "dcgan" / "table.json", {
        "dcgan": "Table 1 D (3x3, 28,672 features) trained on CIFAR-10 itself + L2-SVM",
    }, "TRAIN_DATA=cifar10 RUN=runs/table1_cifar10 TABLE=results/classify_cifar10_table1/table1_d_cifar10 "
       "TARGET_STEPS=600 bash scripts/table1.sh train; ... METHODS=dcgan bash scripts/table1.sh table")
    rows += classify_rows(results / "jpeg_regrid75" / "regrid75" / "table.json", {
        "random": "Table 1 D with random weights + L2-SVM, images re-encoded JPEG q75 on a grid shifted 4 px",
        "pixels": "Raw pixels + L2-SVM, images re-encoded JPEG q75 on a grid shifted 4 px",
    }, "bash scripts/table1.sh jpeg")
    rows += classify_rows(results / "jpeg_regrid75" / "trained_regrid75" / "table.json", {
        "dcgan": "Table 1 D trained on Tiny ImageNet (run 2) + L2-SVM, images re-encoded JPEG q75 on a grid shifted 4 px",
    }, "bash scripts/table1.sh jpeg_trained")
    rows += classify_rows(ROOT / "results" / "classify_cifar10" / "table.json", {
        "dcgan": "4x4 DCGAN D (7,168 features) trained on CIFAR-10 + L2-SVM",
        "random": "4x4 DCGAN D with random weights + L2-SVM",
        "kmeans": "1-layer K-means, K=1600, 100,000 patches, 10 iterations (the old dcgan classify default)",
    }, "dcgan classify --checkpoint runs/cifar10 --data cifar10 --draws 5")
    rows += [_row(name, "../shared/PAPER.md (published)", acc, few, feats) for name, acc, few, feats in PUBLISHED]
    tiny, tiny2, cifar = curve(results / "curve"), curve(results / "curve_run2"), curve(results / "curve_cifar10")
    tiny3 = curve(results / "curve_run3")
    for other in (tiny2, tiny3, cifar):  # step 0 is the same random D (same architecture and seed) for every run
        if other and tiny and tiny[0]["step"] == 0 and other[0]["step"] != 0:
            other.insert(0, tiny[0])
    curves = {"Tiny ImageNet (run 1)": tiny, "Tiny ImageNet (run 2)": tiny2, "Tiny ImageNet (run 3)": tiny3,
              "CIFAR-10": cifar}
    (results / "table.md").write_text(markdown(rows, curves))
    (results / "table.json").write_text(json.dumps({"rows": rows, "curve": tiny, "curve_run2": tiny2,
                                                    "curve_run3": tiny3, "curve_cifar10": cifar}, indent=1) + "\n")
    drew = figure({"Tiny ImageNet (run 1)": (Path(args.run1), tiny), "Tiny ImageNet (run 2)": (run, tiny2),
                   "Tiny ImageNet (run 3)": (Path(args.run3), tiny3),
                   "CIFAR-10": (Path(args.run_cifar10), cifar)}, Path(args.figure))
    print((results / "table.md").read_text())
    if drew:
        print(f"figure: {args.figure}")


if __name__ == "__main__":
    main()
