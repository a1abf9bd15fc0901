"""Self-describing, atomic checkpoints that load with ``torch.load(weights_only=True)``.

A checkpoint is a dict of tensors and plain values: both networks, both optimizers, the
step/batch cursor, RNG states, the resolved config and a format version. Nothing pickled
beyond what ``weights_only`` accepts, so a downloaded checkpoint cannot run code.
Writes go to a temporary file in the same folder, are fsync'ed, then renamed over the old
file (``os.replace`` is atomic on POSIX): a crash at any moment leaves the previous file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from dcgan import DcganError
from dcgan.atomic import atomic_path
from dcgan.config import Config, config_from_dict
from dcgan.core.layout import LATEST, checkpoint_file
from dcgan.core.safetensors_io import is_safetensors, load_safetensors_checkpoint

FORMAT = "dcgan-checkpoint"
# 2: ``model.project_bn`` and ``model.bn_eps`` (the authors' per-unit projection BatchNorm, eps 1e-8).
# Version-1 checkpoints predate them: their generators all normalise per channel with eps 1e-5.
VERSION = 2
V1_MODEL_DEFAULTS = {"project_bn": "channel", "bn_eps": 1e-5}


def save_checkpoint(state: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT, "version": VERSION, **state}
    try:
        with atomic_path(path, fsync=True) as tmp, open(tmp, "wb") as fh:  # a failed write never replaces the last good one
            torch.save(payload, fh)
    except RuntimeError as exc:
        # torch's zip writer re-raises a full disk as a RuntimeError about stream positions; give
        # back the OSError underneath, naming the checkpoint, so the user reads "No space left".
        cause = _os_error_in(exc)
        if cause is None:
            raise
        raise OSError(cause.errno, cause.strerror, str(path)) from exc
    return path


def _os_error_in(exc: BaseException) -> OSError | None:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OSError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """A checkpoint file (``.pt`` or ``.safetensors``) or run directory -> its state dict, upgraded to
    the current format; one-line DcganError for anything that is not a readable dcgan checkpoint."""
    if Path(path).is_dir() and not checkpoint_file(path).is_file():
        raise DcganError(f"'{path}' is a folder without {LATEST} (not a dcgan run directory?)")
    path = checkpoint_file(path)
    if not path.is_file():
        raise DcganError(f"checkpoint '{path}' does not exist")
    if is_safetensors(path):  # dcgan export --format safetensors: tensors + config, no pickle at all
        return upgrade({"format": FORMAT, "version": VERSION, **load_safetensors_checkpoint(path, map_location)})
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
