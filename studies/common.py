"""What every study shares: get a run (train it, finish it, or reuse it), read its metrics.

A study's run folder is its memory: ``train_or_resume`` trains a missing run, resumes one that
stopped short (exactly: ``training/loop.py`` restores the data cursor and every RNG), and leaves a
finished one alone, so a study interrupted by a lost session continues with the same command.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dcgan.config import config_from_dict, resolve_config, resume_config
from dcgan.core.checkpoint import load_checkpoint
from dcgan.core.device import machine_record
from dcgan.core.layout import LATEST, METRICS_FILE
from dcgan.training.loop import train


def finished_steps(run_dir: Path) -> int:
    """Generator steps in the run's latest checkpoint (0: none yet)."""
    if not (run_dir / LATEST).exists():
        return 0
    return int(load_checkpoint(run_dir)["step"])


def planned_steps(run_dir: Path) -> int | None:
    """The length the run's last start planned (its ``steps_total`` in ``metrics.jsonl``)."""
    starts = [r for r in metric_records_all(run_dir) if r.get("event") == "start" and r.get("steps_total")]
    return int(starts[-1]["steps_total"]) if starts else None


def train_or_resume(run_dir: Path, overrides: dict[str, Any], steps: int | None = None, progress: bool = False) -> Path:
    """``run_dir`` trained with ``overrides`` (dotted config keys) to ``steps`` generator steps, or,
    without ``steps``, to the length the overrides give (epochs, kimg): trained when missing,
    resumed exactly when short, left alone when done."""
    done = finished_steps(run_dir)
    target = steps if steps is not None else planned_steps(run_dir)
    if done and target is not None and done >= target:
        return run_dir
    values = {**overrides, "train.out_dir": str(run_dir)}
    if steps is not None:
        values["train.max_steps"] = steps
    if done == 0:
        result = train(resolve_config(overrides=values), progress=progress)
    else:
        saved = config_from_dict(load_checkpoint(run_dir)["config"])
        result = train(resume_config(saved, {"train.max_steps": steps} if steps is not None else {}), resume_dir=run_dir,
                       progress=progress)
    if result.interrupted:  # Ctrl-C / SIGTERM: the loop saved a checkpoint; the study stops here too
        raise KeyboardInterrupt
    return run_dir


def metric_records_all(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / METRICS_FILE
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def metric_records(run_dir: Path, key: str) -> list[dict[str, Any]]:
    """The run's ``metrics.jsonl`` lines holding ``key``, one per step (the last written wins: a
    resumed run may log a step twice), in step order."""
    by_step: dict[int, dict[str, Any]] = {}
    path = run_dir / METRICS_FILE
    if path.exists():
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if key in record:
                by_step[int(record["step"])] = record
    return [by_step[s] for s in sorted(by_step)]


machine = machine_record  # where a study ran: the CPU model, its speed-relevant flags, the date
