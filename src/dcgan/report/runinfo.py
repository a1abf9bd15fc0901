"""Reading a run directory (see ``layout``): its config, its metrics log, its sample grids, and
the numbers that summarise the run (length, wall time, throughput)."""

from __future__ import annotations

import json
import math
import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dcgan import DcganError
from dcgan.config import flatten
from dcgan.report import layout

NON_SERIES_KEYS = {"step", "epoch", "time"}  # axes and stamps, not series to plot


def read_config(run_dir: Path) -> dict[str, Any]:
    path = run_dir / layout.CONFIG_FILE
    if not path.is_file():
        raise DcganError(f"'{run_dir}' is not a run directory: no {layout.CONFIG_FILE} (made by dcgan train)")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DcganError(f"'{path}' is not valid JSON: {exc}") from exc


def read_metrics(run_dir: Path) -> tuple[list[dict[str, Any]], int]:
    """The log's JSON objects (nested dicts flattened to dotted keys) and how many lines were
    unreadable (a run killed mid-write leaves a partial last line; it is skipped, not fatal)."""
    path = run_dir / layout.METRICS_FILE
    if not path.is_file():
        return [], 0
    records, bad = [], 0
    for line in path.read_text(errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            bad += 1
            continue
        if isinstance(value, dict):
            records.append(flatten(value))
        else:
            bad += 1
    return records, bad


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def numeric_series(records: list[dict[str, Any]]) -> dict[str, tuple[list[float], list[float]]]:
    """key -> (steps, values) for every numeric key other than the axes, in log order. Records
    without a step use their position in the log."""
    series: dict[str, tuple[list[float], list[float]]] = {}
    for index, record in enumerate(records):
        x = record.get("step", index)
        if not is_number(x) or "event" in record:  # a start line (device, planned length) is not a curve
            continue
        for key, value in record.items():
            if key in NON_SERIES_KEYS or not is_number(value):
                continue
            xs, ys = series.setdefault(key, ([], []))
            xs.append(float(x))
            ys.append(float(value))
    return series


@dataclass
class RunSummary:
    steps: int | None
    epochs: float | None
    images_seen: int | None
    wall_seconds: float | None  # first to last log line, idle gaps between resumes included
    images_per_s: float | None  # median over logging ticks, the first (warm-up) excluded
    ticks: int
    training_seconds: float | None = None  # the sum of the run's own spans: each start to its last line
    starts: int = 0
    planned_steps: int | None = None  # the length the last start planned (its "steps_total")
    planned_why: str = ""


def summarise(config: dict[str, Any], records: list[dict[str, Any]]) -> RunSummary:
    train_cfg = config.get("train", {})
    ticks = [r for r in records if is_number(r.get("step")) and is_number(r.get("loss_d"))]
    steps = int(max(r["step"] for r in ticks)) if ticks else None
    epochs = max((r["epoch"] for r in ticks if is_number(r.get("epoch"))), default=None)
    images_seen = None
    if steps is not None and is_number(train_cfg.get("batch_size")):
        images_seen = int(steps * train_cfg["batch_size"] * train_cfg.get("d_steps", 1))
    times = [r["time"] for r in records if is_number(r.get("time"))]
    wall = max(times) - min(times) if len(times) > 1 else None
    speeds = [r["images_per_s"] for r in ticks if is_number(r.get("images_per_s"))]
    speeds = speeds[1:] if len(speeds) > 1 else speeds
    spans, begun, last = 0.0, None, None
    for r in records:  # one span a start (training/loop.py logs an "event": "start" line each time)
        if not is_number(r.get("time")):
            continue
        if r.get("event") == "start":
            if begun is not None and last is not None:
                spans += last - begun
            begun = last = r["time"]
        else:
            last = r["time"]
    if begun is not None and last is not None:
        spans += last - begun
    starts = [r for r in records if r.get("event") == "start"]
    planned = next((r for r in reversed(starts) if is_number(r.get("steps_total"))), None)
    return RunSummary(steps, epochs, images_seen, wall, statistics.median(speeds) if speeds else None, len(ticks),
                      spans if starts else None, len(starts), int(planned["steps_total"]) if planned else None,
                      str(planned.get("length", "")) if planned else "")


def format_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min {s:02d} s" if m else f"{s} s"


_GRID_NAME = re.compile(r"^(step|epoch)_(\d+)\.png$")


@dataclass
class Grid:
    label: str  # short, for the animation's frames: "step 0", "epoch 3", "final"
    caption: str
    path: Path


def sample_grids(run_dir: Path) -> list[Grid]:
    """The fixed-noise grids in training order: before training (step 0), after each epoch,
    then the final one."""
    folder = run_dir / layout.SAMPLES_DIR
    if not folder.is_dir():
        return []
    keyed = []
    for path in folder.iterdir():
        match = _GRID_NAME.match(path.name)
        if match and path.is_file():
            kind, number = match.group(1), int(match.group(2))
            if kind == "step":  # only step 0 today; any other step grid is placed by its number
                caption = "before training (step 0)" if number == 0 else f"at step {number}"
                keyed.append(((0, number), Grid(f"step {number}", caption, path)))
            else:
                keyed.append(((1, number), Grid(f"epoch {number}", f"after epoch {number}", path)))
    grids = [grid for _, grid in sorted(keyed, key=lambda item: item[0])]
    if (folder / "final.png").is_file():
        grids.append(Grid("final", "end of training", folder / "final.png"))
    return grids
