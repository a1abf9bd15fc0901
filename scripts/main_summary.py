"""The main job's closing lines: what it measured, how long it took, where to look.

    python scripts/main_summary.py RUN_DIR SECONDS [--json results/main_job.json]

With ``--json`` it also writes what the pages quote (``scripts/figures.py``): the metrics, the
wall-clock, the training time, steps, images/s, the snapshot, the machine and the date. Reads
``RUN_DIR/eval/metrics.json`` (written by ``dcgan evaluate --out``) and the run's ``config.json``
and the start line of ``metrics.jsonl``; prints a short table instead of the evaluation's full JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def precision_used(run_dir: Path) -> str | None:
    """The device and precision of the run's last start (the loop logs one line per start)."""
    used = None
    log = run_dir / "metrics.jsonl"
    for line in log.read_text().splitlines() if log.is_file() else []:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("event") == "start":
            used = f"{record.get('device', '?')}, {record.get('precision_reason', record.get('precision', '?'))}"
    return used


def snapshot_used(run_dir: Path) -> str:
    """Which checkpoint ``dcgan sample RUN_DIR`` drew from: the best snapshot when kept (core/layout.py)."""
    fids = {}
    log = run_dir / "metrics.jsonl"
    for line in log.read_text().splitlines() if log.is_file() else []:
        record = json.loads(line)
        if "fid" in record:
            fids[record["step"]] = record["fid"]
    if not (run_dir / "checkpoints" / "best.pt").is_file() or not fids:
        return "checkpoints/latest.pt (the last)"
    step = min(fids, key=fids.get)
    return f"checkpoints/best.pt (step {step:,} of {max(fids):,}: lowest in-training Fréchet distance, {fids[step]:.2f})"


def summary_lines(run_dir: Path, seconds: int) -> list[str]:
    result = json.loads((run_dir / "eval" / "metrics.json").read_text())
    m, space, ref = result["metrics"], result["feature_space"], result["reference"]
    train = json.loads((run_dir / "config.json").read_text()).get("train", {})
    minutes, secs = divmod(int(seconds), 60)
    rows = [
        ("Fréchet distance", f"{m['fid']:.2f}"),
        ("KID", f"{m['kid_mean']:.3f} ± {m['kid_std']:.3f}"),
        ("precision / recall", f"{m['precision']:.3f} / {m['recall']:.3f}"),
        ("density / coverage", f"{m['density']:.3f} / {m['coverage']:.3f}"),
        ("snapshot", snapshot_used(run_dir)),
        ("wall-clock", f"{minutes} min {secs:02d} s (train, 10,000 samples, evaluate, report)"),
        ("precision", precision_used(run_dir) or f"train.precision={train.get('precision', '?')}"),
        ("channels-last", str(train.get("channels_last", "?")).lower()),
        ("report", str(run_dir / "report" / "index.html")),
    ]
    width = max(len(name) for name, _ in rows)
    head = (f"main: {result['samples']['count']:,} samples against {ref.get('count', '?'):,} {ref.get('split', '')} images "
            f"of {ref.get('dataset', '?')}, in the {space.get('name', '?')} feature space")
    return [head] + [f"  {name:<{width}}  {value}" for name, value in rows]


def results_record(run_dir: Path, seconds: int) -> dict:
    """The main job as the pages quote it: one JSON object, with where and when it ran."""
    from dcgan.core.device import machine_record
    from dcgan.report.runinfo import summarise

    config = json.loads((run_dir / "config.json").read_text())
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line.strip()]
    run = summarise(config, records)
    fids = [r for r in records if "fid" in r]
    best = min(fids, key=lambda r: r["fid"]) if fids else None
    evaluation = json.loads((run_dir / "eval" / "metrics.json").read_text())
    return {
        "command": "bash scripts/main.sh", "seconds": seconds, "training_seconds": run.training_seconds,
        "steps": run.steps, "images_per_s": run.images_per_s, "precision": precision_used(run_dir),
        "snapshot": {"step": best["step"], "in_training_fid": best["fid"]} if best else None,
        "metrics": evaluation["metrics"], "feature_space": evaluation["feature_space"].get("name"),
        "machine": machine_record(),
    }


def main(argv: list[str]) -> int:
    out = None
    if "--json" in argv:
        i = argv.index("--json")
        out, argv = Path(argv[i + 1]), argv[:i] + argv[i + 2:]
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    print("\n".join(summary_lines(Path(argv[0]), int(argv[1]))))
    if out:
        out.write_text(json.dumps(results_record(Path(argv[0]), int(argv[1])), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
