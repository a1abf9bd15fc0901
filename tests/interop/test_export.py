"""Export round trips on tiny models: ONNX graphs run by onnxruntime agree with torch, safetensors
files read back tensor for tensor (with this package and with plain safetensors + torch), and
bad input gets one line and exit status 2."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from dcgan.cli import main
from dcgan.core.checkpoint import load_checkpoint
from dcgan.core.run import load_generator
from dcgan.core.safetensors_io import load_safetensors_checkpoint

from ..conftest import tiny_config


@pytest.fixture(scope="module")
def ema_run(idx_folder, tmp_path_factory):
    from dcgan.training.loop import train

    run_dir = tmp_path_factory.mktemp("ema") / "run"
    train(tiny_config(idx_folder, run_dir, **{"train.ema_decay": 0.9, "train.max_steps": 3}), progress=False)
    return run_dir


def _onnx_session(path):
    ort = pytest.importorskip("onnxruntime")
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def test_onnx_generator_and_discriminator_match_torch(tiny_run, tmp_path, capsys):
    out = tmp_path / "g.onnx"
    assert main(["export", str(tiny_run), "--format", "onnx", "--out", str(out), "--discriminator"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["opset"] == 18 and set(summary["graphs"]) == {"generator", "discriminator"}
    assert all(g["max_abs_diff"] <= 1e-4 for g in summary["graphs"].values())

    g, cfg = load_generator(tiny_run)
    session = _onnx_session(out)
    for batch in (1, 7):  # dynamic batch dimension
        z = torch.randn(batch, cfg.model.z_dim, generator=torch.Generator().manual_seed(batch))
        (got,) = session.run(None, {"z": z.numpy()})
        with torch.no_grad():
            want = g(z).numpy()
        assert got.shape == want.shape == (batch, 1, 16, 16)
        assert np.abs(got - want).max() < 1e-4

    from dcgan.models.registry import build_discriminator

    d = build_discriminator(cfg.model)
    d.load_state_dict(load_checkpoint(tiny_run)["discriminator"])
    d.eval()
    x = torch.rand(3, 1, 16, 16) * 2 - 1
    (logits,) = _onnx_session(tmp_path / "g.discriminator.onnx").run(None, {"images": x.numpy()})
    with torch.no_grad():
        assert np.abs(logits - d(x).numpy()).max() < 1e-4


def test_onnx_conditional_generator_takes_labels(idx_folder, tmp_path):
    from dcgan.interop.export import export_onnx
    from dcgan.training.loop import train

    run_dir = tmp_path / "cond"
    train(tiny_config(idx_folder, run_dir, **{"model.num_classes": 10, "train.max_steps": 2}), progress=False)
    summary = export_onnx(run_dir, tmp_path / "c.onnx")
    assert summary["graphs"]["generator"]["inputs"] == ["z", "labels"]
    g, cfg = load_generator(run_dir)
    z = torch.randn(4, cfg.model.z_dim)
    labels = torch.tensor([3, 3, 7, 0])
    (got,) = _onnx_session(tmp_path / "c.onnx").run(None, {"z": z.numpy(), "labels": labels.numpy()})
    with torch.no_grad():
        want = g(z, labels).numpy()
    assert np.abs(got - want).max() < 1e-4
    assert np.abs(got[0] - got[2]).max() > 1e-3  # the label changes the picture


def test_onnx_uses_ema_weights_with_standing_stats(ema_run, tmp_path):
    from dcgan.interop.export import export_onnx

    summary = export_onnx(ema_run, tmp_path / "e.onnx")
    assert summary["generator_weights"].startswith("ema")
    raw = export_onnx(ema_run, tmp_path / "r.onnx", use_ema=False)
    assert raw["generator_weights"] == "raw"
    g, cfg = load_generator(ema_run, use_ema=True)
    z = torch.randn(5, cfg.model.z_dim)
    with torch.no_grad():
        want = g(z).numpy()
    (got,) = _onnx_session(tmp_path / "e.onnx").run(None, {"z": z.numpy()})
    (got_raw,) = _onnx_session(tmp_path / "r.onnx").run(None, {"z": z.numpy()})
    assert np.abs(got - want).max() < 1e-4
    assert np.abs(got_raw - want).max() > 1e-3


def test_safetensors_round_trip_and_plain_loader(ema_run, tmp_path):
    out = tmp_path / "net.safetensors"
    assert main(["export", str(ema_run), "--format", "safetensors", "--out", str(out)]) == 0
    state = load_checkpoint(ema_run)
    back = load_safetensors_checkpoint(out)
    assert back["config"] == state["config"] and back["step"] == state["step"]
    for key, value in state["generator"].items():
        assert torch.equal(back["generator"][key], value)
    for key, value in state["discriminator"].items():
        assert torch.equal(back["discriminator"][key], value)
    ema, cfg = load_generator(ema_run)
    for key, value in ema.state_dict().items():
        assert torch.equal(back["generator_ema"][key], value)

    # docs/explorer-export.md's loader: safetensors + torch only, no dcgan import.
    from safetensors import safe_open
    from safetensors.torch import load_file

    tensors = load_file(str(out))
    with safe_open(str(out), "pt") as fh:
        meta = fh.metadata()
    config = json.loads(meta["config"])
    prefix = meta["sample_with"] + "."
    g_state = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    assert meta["format"] == "dcgan-safetensors" and prefix == "generator_ema."
    assert config["model"]["z_dim"] == cfg.model.z_dim
    from dcgan.models.registry import build_generator

    rebuilt = build_generator(cfg.model)
    rebuilt.load_state_dict(g_state)
    z = torch.randn(3, cfg.model.z_dim)
    with torch.no_grad():
        assert torch.equal(rebuilt.eval()(z), ema(z))


def test_sample_reads_safetensors(tiny_run, tmp_path):
    """``dcgan sample --checkpoint x.safetensors`` gives the images of the checkpoint itself
    (needs the one-line hook in core.checkpoint.load_checkpoint)."""
    import inspect

    import dcgan.core.checkpoint as ckpt

    if "safetensors" not in inspect.getsource(ckpt.load_checkpoint):
        pytest.skip("load_checkpoint does not dispatch .safetensors to dcgan.interop yet")
    out = tmp_path / "net.safetensors"
    assert main(["export", str(tiny_run), "--format", "safetensors", "--out", str(out)]) == 0
    assert main(["sample", "--checkpoint", str(out), "--n", "8", "--out", str(tmp_path / "a.npz")]) == 0
    assert main(["sample", "--checkpoint", str(tiny_run), "--n", "8", "--out", str(tmp_path / "b.npz")]) == 0
    assert np.array_equal(np.load(tmp_path / "a.npz")["arr_0"], np.load(tmp_path / "b.npz")["arr_0"])


def test_bad_input_is_one_line_and_status_2(tiny_run, tmp_path, capsys):
    cases = [
        (["export", str(tiny_run), "--format", "tflite", "--out", str(tmp_path / "x")], "--format 'tflite' is unknown"),
        (["export", str(tiny_run), "--format", "onnx", "--out", "/proc/x.onnx"], "cannot write"),
        (["export", str(tiny_run), "--format", "safetensors", "--out", str(tmp_path)], "is a folder"),
        (["export", str(tiny_run / "config.json"), "--format", "onnx", "--out", str(tmp_path / "x.onnx")],
         "not a dcgan checkpoint"),
    ]
    foreign = tmp_path / "foreign.pt"
    torch.save({"state_dict": {"w": torch.zeros(2)}}, foreign)
    cases.append((["export", str(foreign), "--format", "safetensors", "--out", str(tmp_path / "f.st")],
                  "not a dcgan checkpoint"))
    alien = tmp_path / "alien.safetensors"
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(2)}, str(alien))
    for argv, needle in cases:
        capsys.readouterr()
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert needle in err and len(err.splitlines()) == 1, (argv, err)
    from dcgan import DcganError

    with pytest.raises(DcganError, match="not a dcgan export"):
        load_safetensors_checkpoint(alien)
    truncated = tmp_path / "cut.safetensors"
    shutil.copy(tmp_path / "alien.safetensors", truncated)
    truncated.write_bytes(truncated.read_bytes()[:20])
    with pytest.raises(DcganError, match="could not be read"):
        load_safetensors_checkpoint(truncated)
    assert not list(tmp_path.glob(".*tmp"))  # no temporary files left behind


def test_plain_pytorch_generator_from_safetensors(tiny_run, tmp_path):
    """docs/explorer-export.md's no-dcgan loader (default ``dcgan`` arch, ``project_bn=channel``) rebuilds G
    from the file alone and draws bitwise the images of ``load_generator``."""
    from safetensors import safe_open
    from safetensors.torch import load_file
    from torch import nn

    path = tmp_path / "g.safetensors"
    assert main(["export", str(tiny_run), "--format", "safetensors", "--out", str(path)]) == 0
    # --- as in docs/explorer-export.md ---
    with safe_open(str(path), "pt") as f:
        meta = f.metadata()
    m = json.loads(meta["config"])["model"]
    pre = meta["sample_with"] + "."
    state = {k[len(pre):]: v for k, v in load_file(str(path)).items() if k.startswith(pre)}
    n = len([k for k in state if k.startswith("blocks.") and k.endswith(".0.weight")])
    w = [m["g_width"] * 2 ** (n - 1 - i) for i in range(n)] + [m["channels"]]
    k, (p, op) = m["kernel_size"], {4: (1, 0), 5: (2, 1)}[m["kernel_size"]]
    blocks = [nn.Sequential(nn.ConvTranspose2d(w[i], w[i + 1], k, 2, p, op, bias=m["bias"]),
              *([nn.Tanh()] if i == n - 1 else [nn.BatchNorm2d(w[i + 1], eps=m["bn_eps"]), nn.ReLU()])) for i in range(n)]
    G = nn.ModuleDict({"project": nn.Linear(m["z_dim"], w[0] * 16, bias=m["bias"]),
                       "project_bn": nn.BatchNorm2d(w[0], eps=m["bn_eps"]), "blocks": nn.ModuleList(blocks)}).eval()
    G.load_state_dict(state)

    def sample(z):
        x = torch.relu(G["project_bn"](G["project"](z).view(len(z), w[0], 4, 4)))
        for block in G["blocks"]:
            x = block(x)
        return x
    # --- end ---
    g, cfg = load_generator(tiny_run)
    z = torch.randn(4, cfg.model.z_dim)
    with torch.no_grad():
        assert torch.equal(sample(z), g(z))
