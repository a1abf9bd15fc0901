"""dcgan/pretrained.py: networks published into a registry load by name everywhere a checkpoint
goes, are checked against their SHA-256, and keep their outputs within one grey level."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import dcgan
from dcgan import DcganError
from dcgan import pretrained as pre
from dcgan.core import layout

QUALITY = {"metric": "test", "value": 1.0, "command": "pytest"}


@pytest.fixture
def published(tiny_run, tmp_path, monkeypatch):
    """``tiny_run`` published as 'tiny' into a registry that stands in for the package's."""
    folder = tmp_path / "pretrained"
    monkeypatch.setattr(layout, "PRETRAINED_DIR", folder)
    entry = pre.publish(tiny_run, "tiny", data="synthetic digits", quality=QUALITY)
    return folder, entry


def test_publish_writes_the_file_and_a_registry_entry_with_its_checksum(published):
    folder, entry = published
    assert pre.registry()["tiny"] == entry
    assert entry["sha256"] == pre.sha256_of(folder / "tiny.safetensors") and entry["quality"] == QUALITY
    assert set(entry["precision"]) == {"generator", "discriminator"}
    assert entry["half_precision_change"]["generator"] >= 0


def test_a_name_loads_like_a_checkpoint_and_generates_within_one_grey_level(published, tiny_run):
    folder, entry = published
    model = dcgan.load("tiny")
    assert model.checkpoint == folder / "tiny.safetensors" and model.discriminator is not None
    original = dcgan.load(tiny_run).generate(64, seed=3).astype(int)
    assert np.abs(model.generate(64, seed=3).astype(int) - original).max() <= 1


def test_a_changed_file_is_refused_in_one_line(published):
    folder, _ = published
    data = bytearray((folder / "tiny.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (folder / "tiny.safetensors").write_bytes(bytes(data))
    with pytest.raises(DcganError, match="does not match its SHA-256") as err:
        dcgan.load("tiny")
    assert "\n" not in str(err.value)


def test_unknown_names_list_what_ships_and_real_paths_win(published, tmp_path, monkeypatch):
    with pytest.raises(DcganError, match=r"not a file, a run directory or a pretrained network \(pretrained: tiny\)"):
        pre.resolve("tiyn")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny").mkdir()  # a folder of that name is the user's, not the registry's
    assert pre.resolve("tiny") == tmp_path.joinpath("tiny").relative_to(tmp_path)
    assert pre.resolve("some/run") == pre.Path("some/run")


def test_outputs_of_a_pretrained_network_go_to_runs_not_the_package(published):
    folder, _ = published
    assert layout.run_dir_of(folder / "tiny.safetensors") == layout.PRETRAINED_RUNS / "tiny"
    assert layout.run_dir_of("tiny") == layout.PRETRAINED_RUNS / "tiny"


def test_the_cli_samples_from_a_name(published, tmp_path):
    folder, _ = published
    code = ("import sys; from dcgan.core import layout; from pathlib import Path; "
            f"layout.PRETRAINED_DIR = Path({str(folder)!r}); from dcgan.cli import main; sys.exit(main())")
    out = tmp_path / "s.npz"
    run = subprocess.run([sys.executable, "-c", code, "sample", "--checkpoint", "tiny", "--n", "8", "--out", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert np.load(out)["arr_0"].shape[0] == 8


@pytest.mark.skipif(not pre.registry(), reason="no pretrained networks ship with this copy")
def test_every_shipped_network_matches_its_checksum_and_the_size_budget():
    entries = pre.registry()
    for name in entries:
        assert pre.pretrained_file(name).stat().st_size == entries[name]["bytes"]
    assert sum(e["bytes"] for e in entries.values()) <= 40e6
    assert json.loads((layout.PRETRAINED_DIR / pre.REGISTRY).read_text()) == entries
