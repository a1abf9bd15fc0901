"""``dcgan train --resume``: changes that keep exactness pass, the rest are refused naming the option."""

import pytest

from dcgan.cli import main


@pytest.mark.parametrize("override,option", [
    ("model.g_width=32", "model.g_width"),          # the saved networks cannot take it
    ("train.batch_size=8", "train.batch_size"),     # the data cursor counts batches of the old size
    ("train.seed=5", "train.seed"),                 # the RNG states were drawn from the old seed
    ("train.lr_g=1e-4", "train.lr_g"),
])
def test_resume_refuses_changes_it_cannot_honour(tiny_run, override, option, capsys):
    assert main(["train", "--resume", str(tiny_run), "--set", override, "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert option in err and err.count("\n") == 1, err


def test_resume_refuses_another_preset(tiny_run, capsys):
    assert main(["train", "--resume", str(tiny_run), "--preset", "paper", "--dry-run"]) == 2
    assert "preset" in capsys.readouterr().err


def test_resume_accepts_more_steps_and_logging_changes(tiny_run, capsys):
    assert main(["train", "--resume", str(tiny_run), "--set", "train.max_steps=12", "--set", "train.log_every=3",
                 "--dry-run"]) == 0
    assert '"max_steps": 12' in capsys.readouterr().out


def test_inexact_changes_pass_with_the_explicit_flag(tiny_run, capsys):
    assert main(["train", "--resume", str(tiny_run), "--set", "train.lr_g=1e-4", "--allow-inexact-resume", "--dry-run"]) == 0
    assert main(["train", "--resume", str(tiny_run), "--set", "model.g_width=32", "--allow-inexact-resume", "--dry-run"]) == 2
