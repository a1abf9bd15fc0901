"""studies/: a run is trained, finished or reused by one helper; the small-data table is computed
from the runs' own metrics.jsonl."""

from __future__ import annotations

import json
from types import SimpleNamespace

import torch
from studies.common import finished_steps, metric_records, planned_steps, train_or_resume

from dcgan.core.checkpoint import load_checkpoint
from studies import small_data
from tests.conftest import tiny_config


def test_train_or_resume_finishes_a_short_run_exactly_and_reuses_a_done_one(idx_folder, tmp_path):
    base = {k: v for k, v in tiny_config(idx_folder, tmp_path / "x").to_dict()["train"].items()
            if k in ("batch_size", "log_every", "checkpoint_every", "samples_per_grid", "tensorboard")}
    overrides = {"data.name": "mnist", "data.path": str(idx_folder), "model.resolution": 16, "model.g_width": 8,
                 "model.d_width": 8, "model.z_dim": 16, **{f"train.{k}": v for k, v in base.items()}}
    train_or_resume(tmp_path / "a", overrides, 4)
    assert finished_steps(tmp_path / "a") == 4
    train_or_resume(tmp_path / "a", overrides, 8)  # resumed
    train_or_resume(tmp_path / "b", overrides, 8)  # in one go
    a, b = load_checkpoint(tmp_path / "a"), load_checkpoint(tmp_path / "b")
    assert a["step"] == b["step"] == 8
    assert all(torch.equal(t, b["generator"][k]) for k, t in a["generator"].items())
    mtime = (tmp_path / "b" / "checkpoints" / "latest.pt").stat().st_mtime_ns
    train_or_resume(tmp_path / "b", overrides, 8)  # done: left alone
    assert (tmp_path / "b" / "checkpoints" / "latest.pt").stat().st_mtime_ns == mtime


def test_without_steps_the_overrides_length_decides_and_a_done_run_is_left_alone(idx_folder, tmp_path):
    base = {k: v for k, v in tiny_config(idx_folder, tmp_path / "x").to_dict()["train"].items()
            if k in ("batch_size", "log_every", "checkpoint_every", "samples_per_grid", "tensorboard", "eval_every")}
    overrides = {"data.name": "mnist", "data.path": str(idx_folder), "model.resolution": 16, "model.g_width": 8,
                 "model.d_width": 8, "model.z_dim": 16, "train.epochs": 0.25, "train.min_kimg": 0,
                 **{f"train.{k}": v for k, v in base.items()}}
    train_or_resume(tmp_path / "e", overrides)
    steps = finished_steps(tmp_path / "e")
    assert steps > 0 and planned_steps(tmp_path / "e") == steps
    mtime = (tmp_path / "e" / "checkpoints" / "latest.pt").stat().st_mtime_ns
    train_or_resume(tmp_path / "e", overrides)
    assert (tmp_path / "e" / "checkpoints" / "latest.pt").stat().st_mtime_ns == mtime


def _fake_cell(runs, cell, fds, every=250):
    run = runs / cell
    run.mkdir(parents=True)
    lines = [{"step": 0, "event": "start"}] + [{"step": every * (i + 1), "fid": fd} for i, fd in enumerate(fds)]
    lines.append({"step": every, "fid": fds[0]})  # a resumed run may log a step twice: the last line wins
    (run / "metrics.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))


def test_summary_best_last_and_group_means(tmp_path):
    _fake_cell(tmp_path, "500-none-s0", [100.0, 40.0, 60.0])
    _fake_cell(tmp_path, "500-none-s1", [90.0, 50.0, 50.0])
    _fake_cell(tmp_path, "500-diffaug-s0", [100.0, 30.0])  # stopped early: not in the means
    assert [r["fid"] for r in metric_records(tmp_path / "500-none-s0", "fid")] == [100.0, 40.0, 60.0]
    summary = small_data.summarise(tmp_path, steps=750)
    cell = summary["cells"]["500-none-s0"]
    assert cell["best"] == {"step": 500, "fd": 40.0} and cell["last"]["fd"] == 60.0 and cell["complete"]
    assert not summary["cells"]["500-diffaug-s0"]["complete"]
    group = summary["groups"]["500-none"]
    assert group["seeds"] == 2 and group["best_mean"] == 45.0 and group["last_mean"] == 55.0
    assert "500-diffaug" not in summary["groups"]
    small_data.report(tmp_path, SimpleNamespace(steps=750, eval_every=250, out=str(tmp_path / "out.json")))
    table = (tmp_path / "out.md").read_text()
    assert "| 500 | none | 2 | 45.00 |" in table and "incomplete" in table and (tmp_path / "out.png").is_file()
    assert "| 1.25 | — |" in table  # no checkpoints here: the copying measure is left blank, not invented


def test_copying_ratio_is_averaged_over_finished_seeds_only(tmp_path):
    _fake_cell(tmp_path, "500-none-s0", [100.0, 40.0, 60.0])
    _fake_cell(tmp_path, "500-none-s1", [90.0, 50.0, 50.0])
    _fake_cell(tmp_path, "500-ada-s0", [100.0, 30.0])
    asked = []

    def copies(cell):
        asked.append(cell)
        ratio = {"500-none-s0": 0.5, "500-none-s1": 1.0}[cell]
        return {"spaces": {"face-judge": {"ratio": ratio}, "pixel": {"ratio": 2 * ratio}}}

    summary = small_data.summarise(tmp_path, steps=750, copies=copies)
    assert sorted(asked) == ["500-none-s0", "500-none-s1"]  # an unfinished cell is not measured
    assert summary["groups"]["500-none"]["copy_ratio_judge"] == 0.75
    assert "face-judge 0.50, pixel 1.00" in small_data.markdown(summary, {
        "steps": 750, "command": "x", "machine": {"date": "d", "cpu": "c", "flags": []}})


def test_copying_needs_a_best_snapshot(tmp_path):
    _fake_cell(tmp_path, "500-none-s0", [100.0])
    assert small_data.copying(tmp_path / "500-none-s0", tmp_path, tmp_path / "judge.pt", tmp_path / "u.zip") is None
