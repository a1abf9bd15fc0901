import json

import pytest

from dcgan import DcganError
from dcgan.config import config_from_dict, parse_overrides, read_config_file, resolve_config


def test_resolution_order(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("preset: paper\ntrain:\n  epochs: 3\n  lr_g: 0.0001\nmodel:\n  g_width: 32\n")
    cfg = resolve_config(read_config_file(f), parse_overrides(["model.g_width=16", "train.channels_last=true"]))
    assert cfg.preset == "paper" and cfg.model.kernel_size == 5  # from the preset
    assert cfg.train.epochs == 3.0 and cfg.train.lr_g == 1e-4  # from the file
    assert cfg.model.g_width == 16 and cfg.train.channels_last is True  # command line wins


def test_round_trip_through_json():
    cfg = resolve_config({}, {"preset": "paper", "model.resolution": 64})
    again = config_from_dict(json.loads(cfg.to_json()))
    assert again == cfg


def test_bad_inputs(tmp_path):
    with pytest.raises(DcganError, match="does not exist"):
        read_config_file(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DcganError, match="bad.json"):
        read_config_file(bad)
    with pytest.raises(DcganError, match="key=value"):
        parse_overrides(["train.epochs"])
    with pytest.raises(DcganError, match="preset"):
        resolve_config({}, {"preset": "keras"})
