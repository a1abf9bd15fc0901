"""Atomic writes and clear errors for bad checkpoint files."""

import os
import shutil
import subprocess
import sys
import time

import pytest
import torch

from dcgan import DcganError
from dcgan.core import checkpoint as ckpt
from dcgan.core.checkpoint import load_checkpoint, save_checkpoint
from dcgan.core.run import load_generator


def test_crash_during_write_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "latest.pt"
    save_checkpoint({"step": 1, "w": torch.ones(3)}, path)

    def crashing_save(obj, fh):
        fh.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(ckpt.torch, "save", crashing_save)
    with pytest.raises(OSError, match="simulated"):
        save_checkpoint({"step": 2, "w": torch.zeros(3)}, path)
    state = load_checkpoint(path)
    assert state["step"] == 1 and torch.equal(state["w"], torch.ones(3))
    assert [p.name for p in tmp_path.iterdir()] == ["latest.pt"]  # no temp files left behind


def test_killed_writer_never_corrupts_latest(tmp_path):
    """SIGKILL a process that rewrites the checkpoint in a loop; the file must always load."""
    path = tmp_path / "latest.pt"
    save_checkpoint({"step": 0, "w": torch.zeros(200_000)}, path)
    code = (
        "import torch, sys\nfrom dcgan.core.checkpoint import save_checkpoint\n"
        "i = 0\nwhile True:\n    i += 1\n"
        f"    save_checkpoint({{'step': i, 'w': torch.full((200_000,), float(i))}}, {str(path)!r})\n"
    )
    for delay in (0.3, 0.45, 0.6):
        proc = subprocess.Popen([sys.executable, "-c", code])
        time.sleep(delay)
        proc.kill()
        proc.wait()
        state = load_checkpoint(path)
        assert torch.all(state["w"] == float(state["step"]))


def test_truncated_and_foreign_files(tmp_path, tiny_run):
    good = tiny_run / "checkpoints" / "latest.pt"
    trunc = tmp_path / "trunc.pt"
    trunc.write_bytes(good.read_bytes()[: os.path.getsize(good) // 2])
    with pytest.raises(DcganError, match="trunc.pt"):
        load_checkpoint(trunc)
    foreign = tmp_path / "foreign.pt"
    torch.save({"state_dict": {}}, foreign)
    with pytest.raises(DcganError, match="not a dcgan checkpoint"):
        load_checkpoint(foreign)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(DcganError, match="notes.txt"):
        load_checkpoint(text)
    with pytest.raises(DcganError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")


def test_checkpoint_refuses_pickled_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    path = tmp_path / "evil.pt"
    torch.save({"format": ckpt.FORMAT, "version": 1, "x": Evil()}, path)
    with pytest.raises(DcganError, match="could run code") as refused:
        load_checkpoint(path)
    assert "weights_only" not in str(refused.value)  # PyTorch's advice to turn the check off is never passed on


@pytest.mark.parametrize("content,reason", [(b"", "empty"), (b"not a torch file", "not a PyTorch file"),
                                            (b"PK\x03\x04", "evil.pt")])
def test_empty_and_garbage_files_are_one_clear_error(tmp_path, content, reason):
    """Issue #40: a zero-byte checkpoint gave an IndexError from inside the error handler."""
    path = tmp_path / "evil.pt"
    path.write_bytes(content)
    with pytest.raises(DcganError, match=reason) as refused:
        load_checkpoint(path)
    assert "weights_only" not in str(refused.value)


def test_generator_rebuilds_from_file_alone(tiny_run, tmp_path):
    alone = tmp_path / "copy.pt"
    shutil.copy(tiny_run / "checkpoints" / "latest.pt", alone)
    g, cfg = load_generator(alone)
    assert cfg.model.resolution == 16
    assert g(torch.randn(2, cfg.model.z_dim)).shape == (2, 1, 16, 16)


def test_version_1_paper_checkpoint_still_loads_with_per_channel_projection(tmp_path):
    """Before format 2 every G normalised its projection per channel with eps 1e-5, the paper preset too."""
    from dcgan.config import resolve_config
    from dcgan.models.registry import build_generator

    old = resolve_config({}, {"preset": "paper", "model.resolution": 16, "model.channels": 1, "model.g_width": 4, "model.d_width": 4})
    tree = old.to_dict()
    for key in ("project_bn", "bn_eps"):  # what a version-1 checkpoint's config looked like
        del tree["model"][key]
    v1_generator = build_generator(resolve_config({}, {**{f"model.{k}": v for k, v in tree["model"].items()},
                                                       "model.project_bn": "channel", "model.bn_eps": 1e-5}).model)
    path = tmp_path / "v1.pt"
    torch.save({"format": ckpt.FORMAT, "version": 1, "config": tree, "generator": v1_generator.state_dict()}, path)
    g, cfg = load_generator(path, use_ema=False)
    assert (cfg.preset, cfg.model.project_bn, cfg.model.bn_eps) == ("paper", "channel", 1e-5)
    assert isinstance(g.project_bn, torch.nn.BatchNorm2d) and g.project_bn.num_features == 8  # 16 px: 8 x 4 x 4
