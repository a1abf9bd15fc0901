"""studies/faces_recipe.py: the recipe that holds its quality wins, from the runs' own metrics."""

from __future__ import annotations

import json

from studies import faces_recipe


def _cell(runs, cell, fds, every=250):
    (runs / cell).mkdir(parents=True)
    lines = [{"step": every * (i + 1), "fid": fd} for i, fd in enumerate(fds)]
    (runs / cell / "metrics.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))


def test_the_winner_holds_its_quality_rather_than_touching_the_lowest_point(tmp_path):
    _cell(tmp_path, "none", [90, 20, 60, 70, 80])     # lowest single point, then worse: held 70
    _cell(tmp_path, "ada", [90, 40, 35, 33, 32])      # never as low, but holds: held 33.3
    _cell(tmp_path, "ema", [90, 30, 25])              # unfinished: not a candidate
    summary = faces_recipe.summarise(tmp_path, steps=1250)
    assert summary["winner"] == "ada"
    assert summary["cells"]["none"]["best"] == {"step": 500, "fd": 20}
    assert not summary["cells"]["ema"]["complete"]
    assert faces_recipe.as_set_options(faces_recipe.CELLS["ada-ema"]) == "--set train.augment=ada --set train.ema_decay=0.999"
    table = faces_recipe.markdown(summary, {"steps": 1250, "command": "x", "machine": {"date": "d", "cpu": "c", "flags": []}})
    assert "| ada | 32.00 | 1,250 | 32.00 | 33.33 | yes |" in table and "Winner" in table and "ada" in table.split("Winner")[1]


def test_ties_go_to_the_simpler_recipe(tmp_path):
    _cell(tmp_path, "ada-ema", [50, 40, 40, 40])
    _cell(tmp_path, "none", [50, 40, 40, 40])
    assert faces_recipe.summarise(tmp_path, steps=1000)["winner"] == "none"


def test_the_cells_train_on_held_out_free_data(tmp_path):
    o = faces_recipe.overrides("ada", tmp_path / "u.zip", tmp_path / "c.zip", tmp_path / "j.pt", 250, {})
    assert o["data.split"] == "train" and o["train.eval_reference"].startswith("utkface:")  # test split never trained on
    assert o["train.augment"] == "ada" and o["train.eval_features"] == "face-judge"
