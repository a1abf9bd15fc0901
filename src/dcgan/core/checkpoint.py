"""Self-describing, atomic checkpoints that load with ``torch.load(weights_only=True)``.

A checkpoint is a dict of tensors and plain values: both networks, both optimizers, the
step/batch cursor, RNG states, the resolved config and a format version. Nothing pickled
beyond what ``weights_only`` accepts, so a downloaded checkpoint cannot run code.
Writes go to a temporary file in the same folder, are fsync'ed, then renamed over the old
file (``os.replace`` is atomic on POSIX): a crash at any moment leaves the previous file.
"""

from __future__ import annotations

import pickle
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
VERSION = 3
V1_MODEL_DEFAULTS = {"project_bn": "channel", "bn_eps": 1e-5}
# Version 3 (issue #37) changed defaults that a config saved without the key would now read
# differently: channels from the data (was 1), length auto (was 5 epochs), evaluation on (was off).
V2_DEFAULTS = {"model": {"channels": 1}, "train": {"epochs": 5.0, "eval_every": 0}}


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


def load_reason(exc: BaseException) -> str:
    """Why ``torch.load(weights_only=True)`` refused a file, in one line of the user's terms. PyTorch's
    own message for a pickle it will not load advises loading with ``weights_only`` off: the one thing
    never to do with a downloaded file, so that message is replaced, never passed on."""
    text = str(exc)
    if "GLOBAL" in text or "Unsupported global" in text:
        return "it holds Python objects beyond tensors and plain data, which are refused (loading them could run code)"
    if isinstance(exc, (pickle.UnpicklingError, KeyError, ValueError, UnicodeDecodeError)) or "weights_only" in text:
        return "it is not a PyTorch file of tensors (unreadable pickle data)"
    if isinstance(exc, EOFError):
        return "the file ends early (truncated)"
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return (first or type(exc).__name__)[:200]


def torch_load_safely(path: str | Path, what: str, map_location: str | torch.device = "cpu") -> Any:
    """``torch.load(path, weights_only=True)`` with any failure (empty, truncated, foreign pickle, not a
    torch file) as one DcganError naming ``what`` and the file."""
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - every unreadable file is the same kind of user error
        size = Path(path).stat().st_size if Path(path).is_file() else -1
        reason = "the file is empty" if size == 0 else load_reason(exc)
        article = "an" if what[0].lower() in "aeiou" else "a"
        raise DcganError(f"{what} '{path}' could not be read (not {article} {what}, or damaged): {reason}") from None


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
    state = torch_load_safely(path, "dcgan checkpoint", map_location)
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
    if state.get("version", 0) < 3 and isinstance(state.get("config"), dict):
        for section, values in V2_DEFAULTS.items():
            for key, value in values.items():
                state["config"].setdefault(section, {}).setdefault(key, value)
    if isinstance(state.get("config"), dict):
        state["version"] = VERSION
    return state


def checkpoint_config(state: dict[str, Any]) -> Config:
    return config_from_dict(state["config"])
