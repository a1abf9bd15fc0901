"""``dcgan classify`` end to end on a tiny run and the synthetic IDX folder."""

from __future__ import annotations

import json
import shutil

from dcgan.cli import main


def test_classify_writes_the_table(tiny_run, idx_folder, tmp_path, capsys):
    out = tmp_path / "table"
    code = main(["classify", "--checkpoint", str(tiny_run), "--data", str(idx_folder), "--labels-per-class", "5",
                 "--draws", "2", "--methods", "dcgan,random,pixels,kmeans,cnn", "--kmeans-k", "16",
                 "--kmeans-patches", "5000", "--cnn-steps", "20", "--c-grid", "0.001,0.1,10", "--out", str(out), "--device", "cpu"])
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
