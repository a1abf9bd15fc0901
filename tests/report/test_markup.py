"""HTML building blocks: escaping, JSON and markdown as tables, run-log parsing."""

from __future__ import annotations

import json

from dcgan.report.markup import json_html, markdown_html, missing
from dcgan.report.runinfo import numeric_series, read_metrics, sample_grids, summarise


def test_json_html_nests_tables_and_escapes():
    out = json_html({"a<b": {"x": 1.23456, "y": [1, 2, 3]}, "rows": [{"k": "<i>"}, {"k": "v", "m": True}]})
    assert "a&lt;b" in out and "<i>" not in out and "&lt;i&gt;" in out
    assert out.count("<table") == 3  # outer, nested dict, records
    assert "<th>m</th>" in out and "1, 2, 3" in out and "1.235" in out


def test_json_html_bounds_long_lists():
    out = json_html(list(range(1000)))
    assert "1000 items" in out and "999" not in out
    out = json_html([{"i": i} for i in range(200)])
    assert out.count("<tr>") == 51 and "150 more rows" in out  # header + 50 rows


def test_markdown_tables_headings_and_escaping():
    out = markdown_html("## Table 1 <x>\n\n| a | b |\n|:--|--:|\n| `1` | **2** |\n| 3 | <b>4</b> |\n\ntext & more\n- item")
    assert "<h5>Table 1 &lt;x&gt;</h5>" in out
    assert "<th>a</th><th>b</th>" in out and "<td><code>1</code></td><td><strong>2</strong></td>" in out
    assert "&lt;b&gt;4&lt;/b&gt;" in out and "<p>text &amp; more</p>" in out and "<li>item</li>" in out


def test_missing_names_the_command_escaped():
    out = missing("Not run.", "dcgan evaluate --checkpoint 'a b'")
    assert "dcgan evaluate --checkpoint &#x27;a b&#x27;" in out and "class=missing" in out


def test_metrics_log_series_and_summary(tmp_path):
    lines = [
        {"step": 10, "epoch": 0.5, "loss_d": 1.0, "loss_g": 2.0, "images_per_s": 50.0, "time": 100.0},
        {"step": 20, "epoch": 1.0, "loss_d": 0.8, "loss_g": 2.2, "images_per_s": 300.0, "time": 110.0},
        {"step": 30, "epoch": 1.5, "loss_d": 0.7, "loss_g": 2.4, "images_per_s": 100.0, "time": 130.0},
        {"step": 30, "eval": {"fid": 42.0, "flag": True}},
    ]
    text = "\n".join(json.dumps(x) for x in lines) + "\nnot json\n"
    (tmp_path / "metrics.jsonl").write_text(text)
    records, bad = read_metrics(tmp_path)
    assert bad == 1 and len(records) == 4
    series = numeric_series(records)
    assert set(series) == {"loss_d", "loss_g", "images_per_s", "eval.fid"}  # no axes, no booleans
    assert series["eval.fid"] == ([30.0], [42.0]) and series["loss_d"][0] == [10.0, 20.0, 30.0]
    s = summarise({"train": {"batch_size": 8, "d_steps": 2}}, records)
    assert (s.steps, s.epochs, s.images_seen, s.wall_seconds) == (30, 1.5, 480, 30.0)
    assert s.images_per_s == 200.0  # median of the ticks after the first (warm-up) one


def test_training_time_is_the_sum_of_the_runs_own_spans_not_the_pauses():
    """Issue #39: a run resumed after an hour's pause trained for its spans, not the hour."""
    records = [
        {"step": 0, "event": "start", "time": 1000.0, "steps_total": 40, "length": "40 steps (train.max_steps)"},
        {"step": 10, "loss_d": 1.0, "time": 1060.0},
        {"step": 20, "loss_d": 1.0, "time": 1120.0},  # stopped here; an hour passes
        {"step": 20, "event": "start", "time": 4720.0, "steps_total": 40, "length": "40 steps (train.max_steps)"},
        {"step": 30, "loss_d": 1.0, "time": 4780.0},
        {"step": 40, "loss_d": 1.0, "time": 4840.0},
    ]
    s = summarise({"train": {"batch_size": 8}}, records)
    assert s.training_seconds == 240.0 and s.starts == 2 and s.wall_seconds == 3840.0
    assert (s.steps, s.planned_steps, s.planned_why) == (40, 40, "40 steps (train.max_steps)")


def test_sample_grids_in_training_order(tmp_path):
    folder = tmp_path / "samples"
    folder.mkdir()
    for name in ("final.png", "epoch_010.png", "epoch_002.png", "step_000000.png", "notes.png"):
        (folder / name).write_bytes(b"")
    assert [g.path.name for g in sample_grids(tmp_path)] == [
        "step_000000.png", "epoch_002.png", "epoch_010.png", "final.png"]
