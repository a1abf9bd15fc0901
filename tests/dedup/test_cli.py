"""``dcgan dedup`` end to end on a tiny IDX folder with planted exact copies: outputs, partition, seeding."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from dcgan.cli import main
from dcgan.data import open_dataset
from tests.conftest import synthetic_digits, write_idx

N_BASE, N_COPIES = 200, 20


@pytest.fixture(scope="module")
def planted_folder(tmp_path_factory) -> Path:
    """200 synthetic images + exact copies of images 0..19 appended (indices 200..219)."""
    root = tmp_path_factory.mktemp("planted")
    images, labels = synthetic_digits(N_BASE, seed=3)
    images = np.concatenate([images, images[:N_COPIES]])
    labels = np.concatenate([labels, labels[:N_COPIES]])
    write_idx(root / "train-images-idx3-ubyte.gz", images)
    write_idx(root / "train-labels-idx1-ubyte.gz", labels)
    return root


def dedup(folder: Path, out: Path, *extra: str) -> dict:
    assert main(["dedup", str(folder), "--out", str(out), "--epochs", "2", "--batch-size", "64", *extra]) == 0
    return json.loads((out / "counts.json").read_text())


def read_kept(out: Path) -> list[int]:
    return [int(line) for line in (out / "kept.txt").read_text().splitlines() if not line.startswith("#")]


def test_outputs_partition_and_planted_copies(planted_folder, tmp_path):
    out = tmp_path / "a"
    counts = dedup(planted_folder, out)
    for name in ("kept.txt", "groups.json", "counts.json", "groups.png", "autoencoder.pt"):
        assert (out / name).is_file(), name
    groups = json.loads((out / "groups.json").read_text())
    kept = read_kept(out)
    removed = [i for g in groups for i in g[1:]]
    n = N_BASE + N_COPIES
    assert sorted(kept + removed) == list(range(n))
    assert all(g[0] == min(g) and g[0] in kept and not set(g[1:]) & set(kept) for g in groups)
    for i in range(N_COPIES):  # every planted copy is grouped with its source, and only the source is kept
        assert any(i in g and N_BASE + i in g for g in groups)
        assert N_BASE + i not in kept
    assert counts["images"] == n and counts["kept"] == len(kept) and counts["removed"] == len(removed)
    assert counts["groups"] == len(groups) and counts["hash_images_per_s"] > 0
    assert counts["byte_identical_images"] == N_COPIES
    # the train command's keep list reads it
    restricted = open_dataset(str(planted_folder), resolution=32, channels=1, keep_list=str(out / "kept.txt"))
    assert len(restricted) == len(kept)


def test_command_is_seeded_and_load_reuses(planted_folder, tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    dedup(planted_folder, a, "--seed", "5")
    dedup(planted_folder, b, "--seed", "5")
    assert (a / "kept.txt").read_text() == (b / "kept.txt").read_text()
    assert (a / "groups.json").read_text() == (b / "groups.json").read_text()
    wa = torch.load(a / "autoencoder.pt", weights_only=True)
    wb = torch.load(b / "autoencoder.pt", weights_only=True)
    assert all(torch.equal(wa["state_dict"][k], wb["state_dict"][k]) for k in wa["state_dict"])
    wc = dedup(planted_folder, c, "--load", str(a / "autoencoder.pt"), "--hamming", "1")
    assert "loaded" in wc["fit"] and wc["hamming_radius"] == 1
    assert wc["removed"] >= json.loads((a / "counts.json").read_text())["removed"]  # radius 1 only merges more


def test_bad_options_are_user_errors(planted_folder, tmp_path, capsys):
    assert main(["dedup", str(planted_folder), "--out", str(tmp_path), "--load", str(tmp_path / "none.pt")]) == 2
    assert "does not exist" in capsys.readouterr().err
