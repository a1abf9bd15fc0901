"""``dcgan export``: a checkpoint as an ONNX graph (G, optionally D) or as a safetensors file.

ONNX: exported with PyTorch's ``torch.export``-based exporter (``torch.onnx.export(dynamo=True)``)
at opset ``OPSET`` (18), with a dynamic batch dimension and BatchNorm in inference mode: the
networks are put in ``eval()`` first, so every BatchNorm is a fixed affine map of its running
statistics. G is the one ``dcgan sample`` uses (``core.run.load_generator``): the EMA
copy with its standing statistics when the run kept one, unless ``use_ema=False``.

- G: input ``z`` float32 (batch, z_dim) [+ ``labels`` int64 (batch,) for class-conditional G],
  output ``images`` float32 (batch, channels, res, res) in [-1, 1].
- D: input ``images`` float32 (batch, channels, res, res) in [-1, 1], output ``logits``
  (batch,) or (batch, 1 + num_classes) (AC-GAN: real/fake, then classes).

Each graph is checked before the command returns: ONNX Runtime and torch run the same seeded
random inputs, at a batch size other than the one traced, and must agree to ``ATOL``.
The model's ``metadata_props`` carry the config (JSON) and the exporter's settings.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from dcgan import DcganError
from dcgan.atomic import atomic_path
from dcgan.core.checkpoint import checkpoint_config
from dcgan.core.run import generator_from_state, open_run, read_model_checkpoint
from dcgan.core.safetensors_io import load_safetensors_checkpoint, save_safetensors
from dcgan.sampling import seeded_z

OPSET = 18
ATOL = 1e-4
FORMATS = ("onnx", "safetensors")
CHECK_BATCH = 5  # the verification batch; the trace uses 2, so a fixed batch size would fail the check


def _writable_target(out: str | Path) -> Path:
    """The output path, after checking it can be written (one-line errors, before any work)."""
    out = Path(out)
    if out.is_dir():
        raise DcganError(f"--out '{out}' is a folder; give a file name")
    parent = out.parent if str(out.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DcganError(f"--out '{out}': cannot create folder '{parent}' ({exc.strerror})") from None
    if out.exists() and not os.access(out, os.W_OK):
        raise DcganError(f"--out '{out}' is not writable")
    try:  # a real probe: permissions alone do not tell (read-only mounts, /proc, full disks)
        fd, probe = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".probe", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise DcganError(f"--out '{out}': cannot write in '{parent}' ({exc.strerror})") from None
    return out


@contextlib.contextmanager
def _quiet():
    """Silence the exporter's progress prints, its log lines about optional packages and its
    deprecation warnings; errors still raise."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def export_safetensors(checkpoint: str | Path, out: str | Path) -> dict[str, Any]:
    """Write the networks' tensors + config (``core.safetensors_io``); returns a summary."""
    out = _writable_target(out)
    _, state = read_model_checkpoint(checkpoint)  # a run directory: its best snapshot when kept, as dcgan sample
    exported = {k: state[k] for k in ("config", "generator", "discriminator", "step") if k in state}
    if state.get("generator_ema"):
        # The copy dcgan sample uses: EMA weights + their standing BatchNorm statistics.
        exported["generator_ema"] = generator_from_state(state, checkpoint_config(state), use_ema=True).state_dict()
    with atomic_path(out) as tmp:
        save_safetensors(exported, tmp)
        back = load_safetensors_checkpoint(tmp)  # the file must read back as ours, tensor for tensor
        for net in ("generator", "generator_ema", "discriminator"):
            for key, value in (exported.get(net) or {}).items():
                if not torch.equal(back[net][key], value.cpu()):
                    raise DcganError(f"safetensors round trip changed {net}.{key}")
    networks = [n for n in ("generator", "generator_ema", "discriminator") if n in exported]
    return {"format": "safetensors", "out": str(out), "networks": networks,
            "tensors": sum(len(exported[n]) for n in networks), "bytes": out.stat().st_size}


class _ConditionalG(nn.Module):
    """Explicit (z, labels) signature for a class-conditional G (its Python default is label-free)."""

    def __init__(self, g: nn.Module):
        super().__init__()
        self.g = g

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.g(z, labels)


def _onnx_export(module: nn.Module, args: tuple, names: list[str], outputs: list[str], path: Path,
                 config: dict, role: str, opset: int) -> None:
    try:
        import onnx
        from torch.export import Dim
    except ImportError:
        raise DcganError("ONNX export needs onnx, onnxscript and onnxruntime (pip install -e .[onnx])") from None
    batch = Dim("batch", min=1, max=65536)
    shapes = tuple({0: batch} for _ in names)  # positional: forward's own argument names may differ
    try:
        with _quiet():
            torch.onnx.export(module, args, str(path), dynamo=True, input_names=names, output_names=outputs,
                              dynamic_shapes=shapes, opset_version=opset, external_data=False)
    except Exception as exc:  # noqa: BLE001 - exporter errors are long; keep the first line
        raise DcganError(f"ONNX export of the {role} failed: {str(exc).splitlines()[0][:300]}") from None
    model = onnx.load(str(path))
    for key, value in {"dcgan_role": role, "dcgan_config": json.dumps(config), "dcgan_opset": str(opset)}.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(path))


def verify_onnx(path: str | Path, module: nn.Module, inputs: dict[str, torch.Tensor]) -> float:
    """Max |onnxruntime - torch| over the outputs for the same ``inputs``."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {k: v.numpy() for k, v in inputs.items()})
    with torch.no_grad():
        want = module(*inputs.values())
    want = [want] if isinstance(want, torch.Tensor) else list(want)
    if [g.shape for g in got] != [tuple(w.shape) for w in want]:
        raise DcganError(f"ONNX output shapes {[g.shape for g in got]} differ from torch's {[tuple(w.shape) for w in want]}")
    return float(max(np.abs(g - w.numpy()).max() for g, w in zip(got, want)))


def _check_inputs(cfg, batch: int, seed: int, image: bool) -> dict[str, torch.Tensor]:
    m = cfg.model
    if image:
        rng = torch.Generator().manual_seed(seed)
        return {"images": torch.rand(batch, m.channels, m.resolution, m.resolution, generator=rng) * 2 - 1}
    inputs = {"z": seeded_z(seed, batch, m.z_dim, m.z_dist)}
    if m.num_classes > 0:
        inputs["labels"] = torch.arange(batch, dtype=torch.int64) % m.num_classes
    return inputs


def export_onnx(checkpoint: str | Path, out: str | Path, discriminator: bool = False, use_ema: bool = True,
                opset: int = OPSET, atol: float = ATOL, seed: int = 0) -> dict[str, Any]:
    """G (and with ``discriminator`` D, written beside as ``<stem>.discriminator.onnx``) as ONNX,
    verified with ONNX Runtime; returns a summary with the measured max abs difference per graph."""
    out = _writable_target(out)
    targets = [("generator", out)]
    if discriminator:
        targets.append(("discriminator", _writable_target(out.with_name(out.stem + ".discriminator" + out.suffix))))
    nets = open_run(checkpoint, "cpu", discriminator=discriminator, use_ema=use_ema)
    cfg, config = nets.config, nets.config.to_dict()
    summary: dict[str, Any] = {"format": "onnx", "opset": opset, "atol": atol, "check_batch": CHECK_BATCH, "graphs": {}}
    for role, path in targets:
        if role == "generator":
            module = nets.generator.eval()
            if cfg.model.num_classes > 0:
                module = _ConditionalG(module).eval()
            image = False
        else:
            module, image = nets.discriminator.eval(), True
        trace = _check_inputs(cfg, 2, seed + 1, image)
        check = _check_inputs(cfg, CHECK_BATCH, seed, image)
        outputs = ["logits"] if image else ["images"]
        with atomic_path(path) as tmp:
            _onnx_export(module, tuple(trace.values()), list(trace), outputs, tmp, config, role, opset)
            diff = verify_onnx(tmp, module, check)
            if not diff <= atol:
                raise DcganError(f"ONNX {role} disagrees with torch: max |difference| {diff:.3g} > {atol:g}")
        summary["graphs"][role] = {"out": str(path), "inputs": list(check), "outputs": outputs,
                                   "max_abs_diff": diff, "bytes": path.stat().st_size}
    summary["generator_weights"] = "ema (standing BatchNorm statistics)" if nets.ema else "raw"
    return summary
