"""``dcgan explore``: every experiment runs from a run directory, is seeded and reproducible."""

import json
import shutil

import numpy as np
import pytest
from PIL import Image, ImageSequence

from dcgan.cli import main

ARGS = {
    "sheet": ["--n", "12"],
    "walk": ["--seeds", "0,1", "--points", "3", "--steps", "3"],
    "arith": ["--concept", "A=1,2,3", "--concept", "B=4,5", "--concept", "C=seed=7", "--expr", "A - B + C",
              "--sheet-n", "12"],
    "axis": ["--set-a", "1,2", "--set-b", "3,seed=4", "--n", "3", "--steps", "4", "--sheet-n", "12"],
    "guided": ["--images", "48", "--k", "2", "--per-channel", "2"],
    "neighbours": ["--n", "3", "--k", "2", "--reference", "16"],
}


def _pixels(path):
    with Image.open(path) as img:
        return [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(img)]


def _outputs(folder):
    summary = json.loads((folder / "summary.json").read_text())
    pictures = {name: _pixels(folder / name) for name in summary["files"] if name.endswith((".png", ".gif"))}
    return summary, pictures


def _same(a, b):
    (sa, pa), (sb, pb) = a, b
    return sa == sb and pa.keys() == pb.keys() and all(
        len(pa[k]) == len(pb[k]) and all(np.array_equal(x, y) for x, y in zip(pa[k], pb[k])) for k in pa)


def _boxes(tmp_path, run):
    template = json.loads((run / "experiments" / "sheet" / "boxes_template.json").read_text())
    template["boxes"] = {"0": [[4, 4, 10, 12]], "3": [[0, 0, 8, 8], [10, 10, 16, 16]], "5": []}
    path = tmp_path / "boxes.json"
    path.write_text(json.dumps(template))
    return path


@pytest.fixture(scope="module")
def run_copy(tiny_run, tmp_path_factory):
    run = tmp_path_factory.mktemp("explore") / "run"
    shutil.copytree(tiny_run, run)
    return run


@pytest.mark.parametrize("experiment", [*ARGS, "forget"])
def test_experiment_is_reproducible(experiment, run_copy, tmp_path):
    assert main(["explore", "sheet", "--checkpoint", str(run_copy), "--n", "12"]) == 0
    args = ARGS.get(experiment) or ["--boxes", str(_boxes(tmp_path, run_copy)), "--n", "4"]
    assert main(["explore", experiment, "--checkpoint", str(run_copy), *args]) == 0
    default = run_copy / "experiments" / experiment
    first = _outputs(default)
    assert first[0]["files"] and all((default / f).is_file() for f in first[0]["files"])
    again = tmp_path / "again"
    assert main(["explore", experiment, "--checkpoint", str(run_copy / "checkpoints" / "latest.pt"),
                 "--out", str(again), *args]) == 0
    second = _outputs(again)
    first[0].pop("checkpoint"), second[0].pop("checkpoint")
    assert _same(first, second)


def test_seeds_change_the_pictures(run_copy, tmp_path):
    for seed in ("0", "5"):
        assert main(["explore", "walk", "--checkpoint", str(run_copy), "--out", str(tmp_path / seed),
                     "--seeds", seed, "--points", "2", "--steps", "2", "--mode", "linear"]) == 0
    a = _pixels(tmp_path / "0" / "walk_seed0_linear.png")[0]
    b = _pixels(tmp_path / "5" / "walk_seed5_linear.png")[0]
    assert not np.array_equal(a, b)


def test_forget_summary_counts_dropped_maps(run_copy, tmp_path):
    main(["explore", "sheet", "--checkpoint", str(run_copy), "--n", "12"])
    assert main(["explore", "forget", "--checkpoint", str(run_copy), "--boxes", str(_boxes(tmp_path, run_copy)),
                 "--out", str(tmp_path / "f"), "--n", "2"]) == 0
    summary = json.loads((tmp_path / "f" / "summary.json").read_text())
    assert summary["maps_dropped"] == len(summary["dropped_channels"])
    assert 0 <= summary["maps_dropped"] <= summary["maps_total"] == 8
    assert summary["boxes"] == 3 and summary["annotated_samples"] == 3


@pytest.mark.parametrize("args, message", [
    (["arith", "--concept", "A=1", "--expr", "A + B"], "undefined concept"),
    (["arith", "--concept", "A1,2", "--expr", "A"], "NAME=TOKENS"),
    (["axis", "--set-a", "99", "--set-b", "1"], "not on a sheet"),
    (["forget", "--boxes", "/nonexistent.json"], "does not exist"),
    (["walk", "--points", "1"], "at least 2 points"),
])
def test_user_errors_are_reported(args, message, run_copy, capsys):
    assert main(["explore", args[0], "--checkpoint", str(run_copy), *args[1:]]) == 2
    assert message in capsys.readouterr().err
