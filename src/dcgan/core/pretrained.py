"""Pretrained networks by name: the registry in ``assets/pretrained/`` and the checked file of a
name (``dcgan/pretrained.py`` publishes into it; ``core/run.read_model_checkpoint`` resolves names).

A name is looked up only when no file or folder of that name exists, and its file is checked
against the registry's SHA-256 before anything reads it: a changed or damaged file is refused
with one line.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from dcgan import DcganError
from dcgan.core import layout

REGISTRY = "registry.json"


def registry(folder: Path | None = None) -> dict[str, dict[str, Any]]:
    """name -> entry (``file``, ``sha256``, ``data``, ``steps``, ``quality``, ...); {} when none ship."""
    folder = Path(folder) if folder is not None else layout.PRETRAINED_DIR
    path = folder / REGISTRY
    return json.loads(path.read_text()) if path.is_file() else {}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pretrained_file(name: str, folder: Path | None = None) -> Path:
    """The checked file of pretrained network ``name``; ``DcganError`` when unknown, missing or changed."""
    folder = Path(folder) if folder is not None else layout.PRETRAINED_DIR
    entries = registry(folder)
    if name not in entries:
        known = ", ".join(sorted(entries)) or "none ship with this copy"
        raise DcganError(f"'{name}' is not a file, a run directory or a pretrained network (pretrained: {known})")
    path = folder / entries[name]["file"]
    if not path.is_file():
        raise DcganError(f"pretrained network '{name}': {path} is missing (reinstall, or git checkout it)")
    if sha256_of(path) != entries[name]["sha256"]:
        raise DcganError(f"pretrained network '{name}': {path} does not match its SHA-256 in {folder / REGISTRY} "
                         "(changed or damaged); refusing to load it")
    return path


def resolve(checkpoint: str | Path, folder: Path | None = None) -> Path:
    """``checkpoint`` itself when it exists or looks like a path; a pretrained name's checked file."""
    folder = Path(folder) if folder is not None else layout.PRETRAINED_DIR
    path = Path(checkpoint)
    if path.exists() or len(path.parts) != 1 or path.suffix:
        return path
    if not registry(folder):  # no pretrained networks here: the loader's own "does not exist" message
        return path
    return pretrained_file(str(checkpoint), folder)
