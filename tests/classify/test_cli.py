"""``dcgan classify`` end to end on a tiny run and the synthetic IDX folder."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from dcgan.cli import main


def test_classify_writes_the_table(tiny_run, idx_folder, tmp_path, capsys):
    out = tmp_path / "table"
    code = main(["classify", "--checkpoint", str(tiny_run), "--data", str(idx_folder), "--labels-per-class", "5",
                 "--draws", "2", "--methods", "dcgan,random,pixels,kmeans,cnn", "--kmeans-k", "16",
                 "--kmeans-patches", "5000", "--cnn-steps", "20", "--c-grid", "0.001,0.1,10", "--out", str(out), "--device", "cpu",
                 "--bn-images", "100"])
    assert code == 0
    table = json.loads((out / "table.json").read_text())
    rows = {row["method"]: row for row in table["rows"]}
    assert list(rows) == ["dcgan", "random", "pixels", "kmeans", "cnn"]
    assert rows["dcgan"]["feature_dim"] == (8 + 16) * 16  # tiny run: d_width 8 at 16 px
    assert rows["pixels"]["feature_dim"] == 16 * 16 and rows["kmeans"]["feature_dim"] == 4 * 16
    for row in rows.values():
        assert 0.0 <= row["accuracy"] <= 1.0 and len(row["few_label"]) == 2
    assert rows["pixels"]["accuracy"] > 0.5  # the synthetic classes are easy; chance is 0.1
    assert rows["dcgan"]["C"] in (0.001, 0.1, 10.0)
    assert table["meta"]["n_val"] == round(0.1 * 512) and table["meta"]["n_test"] == 128
    assert table["meta"]["settings"]["bn_images"] == 100
    md = (out / "table.md").read_text()
    assert "DCGAN discriminator + L2-SVM" in md and "(5 per class, 2 draws)" in md
    assert "DCGAN discriminator + L2-SVM" in capsys.readouterr().out


def test_classify_default_out_and_errors(tiny_run, idx_folder, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)  # the shared fixture stays read-only
    code = main(["classify", "--checkpoint", str(run / "checkpoints" / "latest.pt"), "--data", str(idx_folder), "--methods", "pixels",
                 "--labels-per-class", "0", "--c-grid", "0.01"])
    assert code == 0 and (run / "classify" / "table.md").is_file()
    assert main(["classify", "--checkpoint", str(tiny_run), "--data", str(idx_folder), "--methods", "nope"]) == 2
    assert "unknown method" in capsys.readouterr().err
    assert main(["classify", "--checkpoint", str(tiny_run), "--data", str(idx_folder), "--methods", "pixels",
                 "--labels-per-class", "1000"]) == 2
    assert main(["classify", "--checkpoint", str(tiny_run), "--data", str(idx_folder), "--methods", "pixels",
                 "--bn-images", "-1"]) == 2
    assert "--bn-images" in capsys.readouterr().err
    assert main(["classify", "--checkpoint", str(tiny_run), "--data", str(idx_folder), "--methods", "kmeans",
                 "--kmeans-iterations", "0"]) == 2
    assert "--kmeans-iterations" in capsys.readouterr().err


def test_transfer_to_an_rgb_folder_at_another_resolution(tiny_run, tmp_path):
    # A DCGAN trained on 16 px grey digits, evaluated on 24 px RGB images of another dataset: the
    # registry converts the images to the checkpoint's geometry (the paper: ImageNet -> CIFAR-10).
    from PIL import Image

    from dcgan.evaluation.classify.experiment import ClassifySettings, run_classification

    rng = np.random.default_rng(0)
    for split, n in (("train", 60), ("test", 20)):
        for cls, colour in enumerate(((200, 30, 30), (30, 200, 30), (30, 30, 200))):
            folder = tmp_path / "rgb" / split / f"c{cls}"
            folder.mkdir(parents=True)
            for i in range(n):
                pixels = np.clip(np.array(colour) * rng.uniform(0.5, 1.2) + rng.normal(0, 20, (24, 24, 3)), 0, 255)
                Image.fromarray(pixels.astype(np.uint8)).save(folder / f"{i}.png")
    settings = ClassifySettings(checkpoint=str(tiny_run), data=str(tmp_path / "rgb"), methods=("dcgan", "pixels"),
                                labels_per_class=5, draws=2, c_grid=(0.01, 1.0), device="cpu")
    rows, meta = run_classification(settings)
    assert (meta["resolution"], meta["channels"], meta["n_train"], meta["n_test"]) == (16, 1, 180, 60)
    assert rows[0].feature_dim == (8 + 16) * 16 and rows[1].feature_dim == 16 * 16
    assert all(0 <= row.accuracy <= 1 for row in rows)


def test_a_feature_cache_skips_the_second_extraction_and_gives_the_same_table(tiny_run, idx_folder, tmp_path,
                                                                             monkeypatch):
    from dcgan.evaluation.classify import experiment

    cache = tmp_path / "features"
    args = ["classify", "--checkpoint", str(tiny_run), "--data", str(idx_folder), "--methods", "dcgan,pixels",
            "--labels-per-class", "5", "--draws", "2", "--c-grid", "0.01,1", "--device", "cpu", "--bn-images", "100",
            "--feature-cache", str(cache)]
    assert main(args + ["--out", str(tmp_path / "first")]) == 0
    assert len(list(cache.glob("*.json"))) == 2 and not list(cache.glob("*.partial"))

    def no_extraction(*_args, **_kwargs):
        raise AssertionError("features were extracted again")

    monkeypatch.setattr(experiment, "_transformer", no_extraction)
    assert main(args + ["--out", str(tmp_path / "second")]) == 0
    first, second = (json.loads((tmp_path / name / "table.json").read_text())["rows"] for name in ("first", "second"))
    assert [r["accuracy"] for r in first] == [r["accuracy"] for r in second]
    assert [r["few_label"] for r in first] == [r["few_label"] for r in second]
    # Another setting the features depend on is another entry: extracted, not served stale.
    with pytest.raises(AssertionError, match="extracted again"):
        main(args[:-2] + ["--bn-images", "50", "--feature-cache", str(cache), "--out", str(tmp_path / "third")])


def test_the_cache_tells_trained_weights_apart_but_keeps_random_d_across_checkpoints(tiny_run, idx_folder, tmp_path):
    import torch

    ckpt = tmp_path / "later.pt"
    state = torch.load(tiny_run / "checkpoints" / "latest.pt", map_location="cpu", weights_only=True)
    for tensor in state["discriminator"].values():
        if tensor.is_floating_point():
            tensor.add_(0.01)  # what more training does to the file
    torch.save(state, ckpt)
    cache = tmp_path / "features"
    for checkpoint in (tiny_run, ckpt):
        assert main(["classify", "--checkpoint", str(checkpoint), "--data", str(idx_folder), "--methods", "dcgan,random",
                     "--labels-per-class", "0", "--c-grid", "0.01", "--device", "cpu", "--bn-images", "100",
                     "--feature-cache", str(cache), "--out", str(tmp_path / "out")]) == 0
    descriptions = [json.loads(p.read_text())["description"] for p in cache.glob("*.json")]
    assert sorted(d["method"] for d in descriptions) == ["dcgan", "dcgan", "random"]
