"""Issue #40: no input file crashes a command. A corpus of damaged and wrong-type files (empty,
truncated, random bytes, another format under the expected name, a folder) is fed to every
command that reads a file; each must answer with one line naming the problem and status 2,
never a traceback, and must not write its output."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from dcgan.cli import main


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, tiny_run):
    root = tmp_path_factory.mktemp("corpus")
    good_ckpt = (tiny_run / "checkpoints" / "latest.pt").read_bytes()
    npz = io.BytesIO()
    np.savez(npz, arr_0=np.zeros((4, 16, 16, 1), np.uint8))
    png = io.BytesIO()
    from PIL import Image

    Image.new("L", (8, 8)).save(png, "PNG")
    zip_bytes = io.BytesIO()
    with zipfile.ZipFile(zip_bytes, "w") as zf:
        zf.writestr("notes.txt", "no images here")
    files = {
        "empty": b"",
        "random": np.random.default_rng(0).bytes(4096),
        "text": b"hello, not what you think\n",
        "truncated-checkpoint": good_ckpt[: len(good_ckpt) // 2],
        "truncated-npz": npz.getvalue()[:200],
        "png": png.getvalue(),
        "json-list": json.dumps([1, 2, 3]).encode(),
        "zip-without-images": zip_bytes.getvalue(),
    }
    paths = {}
    for name, data in files.items():
        for suffix in (".pt", ".npz", ".npy", ".json", ".safetensors", ".zip", ".yaml"):
            path = root / f"{name}{suffix}"
            path.write_bytes(data)
            paths[(name, suffix)] = path
    (root / "folder.pt").mkdir()
    return root, paths


def _commands(tiny_run, out):
    """(name, suffix the file is given as, argv with {} for it)."""
    good = str(tiny_run)
    return [
        ("sample checkpoint", ".pt", ["sample", "--checkpoint", "{}", "--n", "4", "--out", f"{out}/s.npz"]),
        ("sample z", ".npy", ["sample", "--checkpoint", good, "--z", "{}", "--out", f"{out}/s.npz"]),
        ("evaluate samples", ".npz", ["evaluate", "--samples", "{}", "--out", f"{out}/m.json"]),
        ("evaluate checkpoint", ".pt", ["evaluate", "--checkpoint", "{}", "--n", "16", "--out", f"{out}/m.json"]),
        ("export safetensors", ".pt", ["export", "{}", "--format", "safetensors", "--out", f"{out}/g.safetensors"]),
        ("export onnx", ".pt", ["export", "{}", "--format", "onnx", "--out", f"{out}/g.onnx"]),
        ("load safetensors", ".safetensors", ["sample", "--checkpoint", "{}", "--n", "4", "--out", f"{out}/s.npz"]),
        ("train resume", ".pt", ["train", "--resume", "{}", "--no-progress"]),
        ("train config", ".yaml", ["train", "--config", "{}", "--dry-run"]),
        ("train config json", ".json", ["train", "--config", "{}", "--dry-run"]),
        ("train data", ".zip", ["train", "--set", "data.name={}", "--set", "train.max_steps=1", "--set",
                                f"train.out_dir={out}/run", "--no-progress"]),
        ("train data npz", ".npz", ["train", "--set", "data.name={}", "--set", "train.max_steps=1", "--set",
                                    f"train.out_dir={out}/run", "--no-progress"]),
        ("data inspect", ".zip", ["data", "inspect", "{}"]),
        ("data prepare", ".zip", ["data", "prepare", "{}", "--out", f"{out}/p.npz", "--resolution", "32"]),
        ("dedup", ".zip", ["dedup", "{}", "--out", f"{out}/dedup"]),
        ("classify checkpoint", ".pt", ["classify", "--checkpoint", "{}", "--data", "fashion-mnist", "--out", f"{out}/c"]),
        ("explore sheet", ".pt", ["explore", "sheet", "--checkpoint", "{}", "--out", f"{out}/x"]),
        ("explore forget boxes", ".json", ["explore", "forget", "--checkpoint", good, "--boxes", "{}", "--out", f"{out}/x"]),
        ("report", ".pt", ["report", "{}"]),
        ("import authors", ".pt", ["import", "authors", "{}", "--out", f"{out}/a.pt"]),
        ("classify data", ".zip", ["classify", "--checkpoint", good, "--data", "{}", "--out", f"{out}/c"]),
        ("faces judge data", ".zip", ["faces", "judge", "--data", "{}", "--out", f"{out}/j", "--epochs", "1"]),
        ("faces score judge", ".pt", ["faces", "score", "--checkpoint", good, "--judge", "{}", "--out", f"{out}/f"]),
    ]


def test_every_command_refuses_every_bad_file_in_one_line(corpus, tiny_run, tmp_path, capsys):
    root, paths = corpus
    failures = []
    for name, suffix, argv in _commands(tiny_run, tmp_path / "out"):
        kinds = [(k, s) for (k, s) in paths if s == suffix] + [("folder", ".pt")] * (suffix == ".pt")
        for kind, _ in kinds:
            path = root / "folder.pt" if kind == "folder" else paths[(kind, suffix)]
            args = [a.replace("{}", str(path)) for a in argv]
            try:
                code = main(args)
            except BaseException as exc:  # noqa: BLE001 - the point: nothing escapes as a traceback
                failures.append(f"{name} <- {kind}{suffix}: raised {type(exc).__name__}: {str(exc)[:200]}")
                continue
            err = capsys.readouterr().err.strip().splitlines()
            errors = [line for line in err if "error" in line]
            if code != 2 or len(errors) != 1:
                failures.append(f"{name} <- {kind}{suffix}: status {code}, stderr {err[-3:]}")
            assert not (tmp_path / "out" / "s.npz").exists() and not (tmp_path / "out" / "a.pt").exists()
    assert not failures, "\n".join(failures)


def test_serve_refuses_a_bad_checkpoint_before_listening(corpus):
    import subprocess
    import sys

    root, paths = corpus
    for kind in ("empty", "truncated-checkpoint"):
        done = subprocess.run([sys.executable, "-m", "dcgan", "serve", str(paths[(kind, ".pt")]), "--port", "0"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert len([line for line in done.stderr.splitlines() if "error" in line]) == 1, done.stderr
