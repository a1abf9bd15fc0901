"""scripts/table1_report.py: rows and curves assembled from `dcgan classify` tables it is given."""

import json

from tests.scripts import load_script

report = load_script("table1_report")


def _classify_table(path, method, step, accuracy, few):
    path.parent.mkdir(parents=True, exist_ok=True)
    row = {"method": method, "accuracy": accuracy, "feature_dim": 28672, "C": 1e-4,
           "few_label": [few - 0.01, few + 0.01], "few_label_mean": few, "few_label_std": 0.01}
    path.write_text(json.dumps({"meta": {"step": step, "n_train": 10000, "n_test": 5000}, "rows": [row]}))


def _history(results, tmp_path):
    """The repository's run list (results/classify_cifar10_table1/runs.json), with run folders that are not here."""
    history = json.loads((report.ROOT / "results" / "classify_cifar10_table1" / "runs.json").read_text())
    for c in history["curves"]:
        c["run_dir"] = str(tmp_path / "gone" / c["curve"])
    results.mkdir(parents=True, exist_ok=True)
    (results / "runs.json").write_text(json.dumps(history))


def test_run3_row_and_curve_come_from_their_folders(tmp_path):
    results = tmp_path / "results"
    _history(results, tmp_path)
    _classify_table(results / "table1_d_run3" / "dcgan" / "table.json", "dcgan", 6000, 0.74, 0.62)
    _classify_table(results / "curve" / "step_000000" / "table.json", "random", 600, 0.60, 0.527)
    _classify_table(results / "curve_run3" / "step_006000" / "table.json", "dcgan", 6000, 0.70, 0.61)
    report.main(["--results", str(results), "--figure", str(tmp_path / "fig.png")])
    table = json.loads((results / "table.json").read_text())
    run3 = table["rows"][0]
    assert "run 3" in run3["model"] and run3["step"] == 6000 and run3["accuracy"] == 0.74
    assert run3["source"] == str(results / "table1_d_run3" / "dcgan" / "table.json")  # outside the repository: as given
    # run 2 has no table here: its row says so instead of vanishing
    assert table["rows"][1]["note"] == "not run"
    # the random D's step 0 of run 1's curve starts run 3's curve too
    assert [p["step"] for p in table["curve_run3"]] == [0, 6000]
    markdown = (results / "table.md").read_text()
    assert "trained on Tiny ImageNet (run 3)" in markdown and "| 6000 |" in markdown
    assert (tmp_path / "fig.png").is_file()  # no snapshots, but the curves are drawn


def test_sample_panels_span_the_whole_run_not_only_its_end():
    snaps = {step: None for step in range(600, 6001, 600)}
    curve = [{"step": 0}] + [{"step": step} for step in snaps]
    steps = report._panel_steps(snaps, curve)
    assert len(steps) == 6 and steps[0] == 600 and steps[-1] == 6000
    assert 1800 in steps and 3000 in steps  # the middle of the run is shown
    # few snapshots: all of them
    assert report._panel_steps({100: None, 600: None}, [{"step": 600}]) == [100, 600]


def test_a_new_run_is_a_new_entry_in_the_run_list_not_a_flag(tmp_path):
    results = tmp_path / "results"
    _classify_table(results / "table1_d_run4" / "dcgan" / "table.json", "dcgan", 9000, 0.80, 0.70)
    _classify_table(results / "curve_run4" / "step_009000" / "table.json", "dcgan", 9000, 0.79, 0.69)
    (results / "runs.json").write_text(json.dumps({
        "tables": [{"table": "table1_d_run4/dcgan/table.json", "names": {"dcgan": "run 4 D"}, "command": "x"}],
        "curves": [{"label": "run 4", "curve": "curve_run4", "run_dir": str(tmp_path / "gone")}]}))
    report.main(["--results", str(results), "--figure", str(tmp_path / "fig.png")])
    table = json.loads((results / "table.json").read_text())
    assert table["rows"][0]["model"] == "run 4 D" and table["rows"][0]["accuracy"] == 0.80
    assert [p["step"] for p in table["curve_run4"]] == [9000]


def test_snapshots_are_found_where_the_library_keeps_them(tmp_path):
    run = tmp_path / "run"
    (run / "checkpoints" / "snapshots").mkdir(parents=True)
    (run / "samples").mkdir()
    for step in (600, 1200):
        (run / "checkpoints" / "snapshots" / f"step_{step:06d}.pt").write_bytes(b"")
        (run / "samples" / f"step_{step:06d}.png").write_bytes(b"")
    assert sorted(report._snapshots(run)) == [600, 1200]
