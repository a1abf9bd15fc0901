"""Extracted feature matrices kept on disk, so a classification that stops (or a second protocol
on the same features) does not pay for the extraction again.

At the Table 1 model's size this is the expensive part: 60,000 CIFAR-10 images through a
128-128-256-256-512-512 discriminator take 8-24 minutes on one CPU core, while the float32 matrix
they give (6.9 GB) loads in seconds. An entry is named by a hash of a description of everything
the features depend on (the caller's: for a trained D its checkpoint file's bytes, the method and
its settings, the data, the subset and row order),
and written file by file under temporary names, its JSON description last: an entry without one is
incomplete and never read.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np


def entry_key(description: dict[str, Any]) -> str:
    """A short stable name for a JSON-serialisable description (its sorted-key SHA-256, 20 hex digits)."""
    return hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()[:20]


def _write_atomically(path: Path, write) -> None:
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as f:
        write(f)
    os.replace(partial, path)  # a stopped write leaves only the .partial file behind


class FeatureCache:
    """``folder/KEY.{train,test}.npy`` + ``folder/KEY.json`` for each cached (train, test) pair."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def _paths(self, key: str) -> tuple[Path, Path, Path]:
        return (self.folder / f"{key}.train.npy", self.folder / f"{key}.test.npy", self.folder / f"{key}.json")

    def load(self, description: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, dict[str, Any]] | None:
        """The cached (train, test, info) for ``description``, or None when absent or incomplete."""
        train, test, info = self._paths(entry_key(description))
        if not (info.is_file() and train.is_file() and test.is_file()):
            return None
        record = json.loads(info.read_text())
        if record.get("description") != description:  # a hash collision or a hand-edited file
            return None
        return np.load(train), np.load(test), record

    def save(self, description: dict[str, Any], X: np.ndarray, X_test: np.ndarray, **info: Any) -> Path:
        """Store a pair; returns the JSON file that marks the entry complete."""
        self.folder.mkdir(parents=True, exist_ok=True)
        train, test, record = self._paths(entry_key(description))
        _write_atomically(train, lambda f: np.save(f, np.ascontiguousarray(X, dtype=np.float32)))
        _write_atomically(test, lambda f: np.save(f, np.ascontiguousarray(X_test, dtype=np.float32)))
        body = {"description": description, "shape_train": list(X.shape), "shape_test": list(X_test.shape), **info}
        _write_atomically(record, lambda f: f.write(json.dumps(body, indent=2).encode()))
        return record
