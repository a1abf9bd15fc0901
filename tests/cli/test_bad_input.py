"""Every bad value of every option gets one line and exit status 2, never a traceback.

The sweep below walks every command's parser: each option whose type is one of the shared
checks of ``dcgan.cli.options`` is given values it must refuse. The named cases are the ones a
new user hit (issue: "no traceback for any bad input")."""

from __future__ import annotations

import argparse

import pytest

from dcgan.cli import build_parser, main
from dcgan.cli import options as opt

BAD = {
    opt.count: ["0", "-3", "ten", "1.5"],
    opt.nonnegative: ["-1", "x"],
    opt.port: ["99999", "-1", "http"],
    opt.positive_float: ["0", "-1", "nan", "inf", "big"],
    opt.nonnegative_float: ["-0.5", "nan"],
    opt.finite_float: ["nan", "inf", "one"],
}


def typed_options():
    """(command words, option string, type) for every checked option of every (sub)command."""
    found = []

    def walk(parser: argparse.ArgumentParser, words: list[str]):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, words + [name])
            elif action.option_strings and action.type in BAD:
                found.append((words, action.option_strings[0], action.type))

    walk(build_parser(), [])
    return found


def test_the_sweep_sees_the_options_of_every_command():
    commands = {words[0] for words, _, _ in typed_options()}
    assert {"sample", "serve", "evaluate", "classify", "explore", "dedup", "faces", "export", "data"} <= commands
    assert len(typed_options()) > 50


@pytest.mark.parametrize("words,option,kind", typed_options(), ids=lambda v: "-".join(v) if isinstance(v, list) else str(v)[:20])
def test_every_checked_option_refuses_bad_values_in_one_line(words, option, kind, capsys):
    for value in BAD[kind]:
        with pytest.raises(SystemExit) as exit_:
            build_parser().parse_args([*words, f"{option}={value}"])
        assert exit_.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert f"argument {option}" in err[-1] and "Traceback" not in "\n".join(err), (words, option, value, err)


def test_a_port_out_of_range_is_refused(capsys, tmp_path):
    assert main(["serve", str(tmp_path), "--port", "99999"]) == 2
    assert "a TCP port is 0 (any free port) to 65535" in capsys.readouterr().err


def test_an_unwritable_output_is_one_line(tiny_run, capsys):
    assert main(["sample", "--checkpoint", str(tiny_run), "--n", "4", "--out", "/proc/o.npz"]) == 2
    err = [line for line in capsys.readouterr().err.strip().splitlines() if not line.startswith("note: ")]  # which snapshot
    assert len(err) == 1 and "/proc/" in err[0] and "Traceback" not in err[0]


def test_dry_run_refuses_what_the_run_refuses(capsys, tmp_path, idx_folder):
    assert main(["train", "--arch", "nonsense", "--dry-run"]) == 2
    assert "invalid choice: 'nonsense' (choose from 'dcgan', 'imagenet32', 'upconv')" in capsys.readouterr().err
    assert main(["train", "--set", "model.arch=nonsense", "--dry-run"]) == 2
    assert "model.arch='nonsense' is unknown" in capsys.readouterr().err
    data = ["--set", "data.name=mnist", "--set", f"data.path={tmp_path / 'missing'}"]
    assert main(["train", "--dry-run", *data]) == 2  # the data is opened, as the run opens it
    assert "Traceback" not in capsys.readouterr().err
    big = ["--set", "data.name=mnist", "--set", f"data.path={idx_folder}", "--set", "train.batch_size=100000"]
    assert main(["train", "--dry-run", *big]) == 2
    assert "larger than the dataset" in capsys.readouterr().err
    assert not (tmp_path / "missing").exists()


def test_dry_run_prints_the_precision_and_why(capsys, idx_folder):
    args = ["train", "--dry-run", "--set", "data.name=mnist", "--set", f"data.path={idx_folder}"]
    assert main([*args, "--set", "train.precision=fp32"]) == 0
    assert "precision: fp32: train.precision=fp32" in capsys.readouterr().err
    assert main(args) == 0  # auto: the reason names a CPU flag, the probe, or CUDA
    line = next(x for x in capsys.readouterr().err.splitlines() if x.startswith("precision: "))
    assert any(word in line for word in ("avx512_bf16", "amx_bf16", "no amx_bf16", "CUDA", "oneDNN"))


def test_no_option_takes_an_unchecked_number():
    """A bare ``type=int`` accepts -5 or 99999 and fails later with a traceback: numbers go
    through ``dcgan.cli.options`` (or ``choices``)."""
    bare = []

    def walk(parser: argparse.ArgumentParser, words: list[str]):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, words + [name])
            elif action.type in (int, float) and not action.choices:
                bare.append(" ".join(words + action.option_strings))

    walk(build_parser(), [])
    assert not bare, f"options with an unchecked int/float type: {bare}"
