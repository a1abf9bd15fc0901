"""Self-describing, atomic checkpoints that load with ``torch.load(weights_only=True)``.

A checkpoint is a dict of tensors and plain values: both networks, both optimizers, the
step/batch cursor, RNG states, the resolved config and a format version. Nothing pickled
beyond what ``weights_only`` accepts, so a downloaded checkpoint cannot run code.
Writes go to a temporary file in the same folder, are fsync'ed, then renamed over the old
file (``os.replace`` is atomic on POSIX): a crash at any moment leaves the previous file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch

from dcgan import DcganError
from dcgan.config import Config, config_from_dict
from dcgan.models.ema import standing_batchnorm_stats_
from dcgan.models.registry import build_generator

FORMAT = "dcgan-checkpoint"
# 2: ``model.project_bn`` and ``model.bn_eps`` (the authors' per-unit projection BatchNorm, eps 1e-8).
# Version-1 checkpoints predate them: their generators all normalise per channel with eps 1e-5.
VERSION = 2
V1_MODEL_DEFAULTS = {"project_bn": "channel", "bn_eps": 1e-5}


def save_checkpoint(state: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT, "version": VERSION, **state}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(payload, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    path = Path(path)
    if path.is_dir():
        candidate = path / "checkpoints" / "latest.pt"
        if not candidate.is_file():
            raise DcganError(f"'{path}' is a folder without checkpoints/latest.pt (not a dcgan run directory?)")
        path = candidate
    if not path.is_file():
        raise DcganError(f"checkpoint '{path}' does not exist")
    if path.suffix == ".safetensors":  # dcgan export --format safetensors: tensors + config, no pickle at all
        from dcgan.interop.safetensors_io import load_safetensors_checkpoint

        return upgrade(load_safetensors_checkpoint(path, map_location))
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - truncated zip, foreign pickle, not a torch file...
        reason = str(exc).splitlines()[0][:200]
        raise DcganError(f"checkpoint '{path}' could not be loaded (truncated, corrupt or not a dcgan checkpoint): {reason}") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise DcganError(f"'{path}' is not a dcgan checkpoint (no '{FORMAT}' format marker)")
    if state.get("version", 0) > VERSION:
        raise DcganError(f"checkpoint '{path}' has format version {state['version']}; this dcgan reads up to {VERSION}")
    return upgrade(state)


def upgrade(state: dict[str, Any]) -> dict[str, Any]:
    """An older checkpoint's state in the current format (its config says what its networks were)."""
    if state.get("version", 0) < 2 and isinstance(state.get("config"), dict):
        model = state["config"].setdefault("model", {})
        for key, value in V1_MODEL_DEFAULTS.items():
            model.setdefault(key, value)
        state["version"] = VERSION
    return state


def checkpoint_config(state: dict[str, Any]) -> Config:
    return config_from_dict(state["config"])


def load_generator(path: str | Path, device: str | torch.device = "cpu", use_ema: bool = True) -> tuple[torch.nn.Module, Config]:
    """Rebuild G from a checkpoint alone (its EMA weights when it has them and ``use_ema``)."""
    state = load_checkpoint(path)
    cfg = checkpoint_config(state)
    generator = build_generator(cfg.model)
    averaged = bool(use_ema and state.get("generator_ema"))
    generator.load_state_dict(state["generator_ema"] if averaged else state["generator"])
    generator.to(device)
    if averaged:  # its own BatchNorm statistics (models/ema.py): needed for checkpoints saved before
        # training re-estimated them; for newer ones it reproduces the saved values (16 small batches)
        standing_batchnorm_stats_(generator, cfg.model.z_dim, cfg.model.z_dist)
    return generator.eval(), cfg
