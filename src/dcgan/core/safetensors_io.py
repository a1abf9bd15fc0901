"""Checkpoints as safetensors: the networks' tensors and the resolved config, nothing executable.

A ``.safetensors`` file written here holds, as flat tensors, ``generator.<key>`` (the raw G),
``generator_ema.<key>`` (when the run kept an EMA copy: its weights with the standing BatchNorm
statistics that ``core.run.load_generator`` samples with) and ``discriminator.<key>``.
Its string metadata: ``format`` (``dcgan-safetensors``), ``version``, ``config`` (the run's
resolved config as JSON), ``sample_with`` (which prefix to sample from), ``step``.

``load_safetensors_checkpoint`` returns the dict shape of ``core.checkpoint.load_checkpoint``
(less ``format`` and ``version``, which that function adds: ``config``, ``generator``, optional ``generator_ema``/``discriminator``,
``step``), so every command that reads checkpoints can read these files. Optimizer and RNG
states are not exported: the file is for sampling and inspection, not for resuming training.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from dcgan import DcganError

FORMAT = "dcgan-safetensors"
VERSION = 1
SUFFIX = ".safetensors"
NETWORKS = ("generator", "generator_ema", "discriminator")


def is_safetensors(path: str | Path) -> bool:
    return Path(path).suffix == SUFFIX


def state_to_tensors(state: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """A checkpoint dict (``load_checkpoint``'s shape) -> (flat tensors, string metadata)."""
    tensors: dict[str, torch.Tensor] = {}
    for net in NETWORKS:
        for key, value in (state.get(net) or {}).items():
            tensors[f"{net}.{key}"] = value.detach().cpu().contiguous().clone()
    metadata = {
        "format": FORMAT,
        "version": str(VERSION),
        "config": json.dumps(state["config"]),
        "sample_with": "generator_ema" if state.get("generator_ema") else "generator",
        "step": str(int(state.get("step", 0))),
    }
    return tensors, metadata


def save_safetensors(state: dict[str, Any], path: str | Path) -> Path:
    from safetensors.torch import save

    tensors, metadata = state_to_tensors(state)
    # serialised in memory (G and D of a DCGAN are tens of MB at most), written by Python: a full
    # disk is then an OSError naming the file, not the Rust writer's own error type
    Path(path).write_bytes(save(tensors, metadata=metadata))
    return Path(path)


def load_safetensors_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """A file written by ``save_safetensors`` -> the dict ``load_checkpoint`` returns.
    Raises ``DcganError`` (one line) for missing, corrupt or foreign files."""
    path = Path(path)
    if not path.is_file():
        raise DcganError(f"checkpoint '{path}' does not exist")
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt", device=str(map_location)) as fh:
            metadata = fh.metadata() or {}
            if metadata.get("format") != FORMAT:
                raise DcganError(f"'{path}' is a safetensors file but not a dcgan export (no '{FORMAT}' format marker)")
            tensors = {key: fh.get_tensor(key) for key in fh.keys()}  # noqa: SIM118 - safe_open has no __iter__
    except DcganError:
        raise
    except ImportError:
        raise DcganError("reading .safetensors needs the safetensors package (pip install -e .)") from None
    except Exception as exc:  # noqa: BLE001 - truncated header, bad JSON, not a safetensors file
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise DcganError(f"checkpoint '{path}' could not be read as safetensors: {reason}") from None
    version = int(metadata.get("version", "0"))
    if version > VERSION:
        raise DcganError(f"'{path}' has dcgan-safetensors version {version}; this dcgan reads up to {VERSION}")
    try:
        config = json.loads(metadata["config"])
    except (KeyError, json.JSONDecodeError):
        raise DcganError(f"'{path}': its metadata has no valid 'config'") from None
    state: dict[str, Any] = {"config": config,
                             "step": int(metadata.get("step", "0")), "source": "safetensors"}
    for net in NETWORKS:
        prefix = net + "."
        part = {key[len(prefix):]: value for key, value in tensors.items() if key.startswith(prefix)}
        if part:
            state[net] = part
    if "generator" not in state:
        raise DcganError(f"'{path}' holds no generator tensors")
    return state
