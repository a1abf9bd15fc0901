"""Writing a file so that it is either whole or not there: the bytes go to a temp file beside the
final one, which is renamed into place only once they are all written. A full disk, a file-size
limit, a read-only folder or a Ctrl-C during the write leaves the previous file (a good
checkpoint, yesterday's samples) untouched, and no temp file behind.

    with atomic_path("runs/x/samples.npz") as tmp:
        np.savez(tmp, arr_0=images)
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | Path, fsync: bool = False) -> Iterator[Path]:
    """A temp path in ``path``'s folder with the same suffix (writers that pick a format by the
    extension, as PIL and ``np.savez``, see the right one); renamed to ``path`` when the block ends
    without an exception, deleted otherwise. ``fsync``: flush the bytes to the disk first (for a
    checkpoint, whose loss costs hours)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    try:  # mkstemp makes the file private (0600); the final file gets the mode a plain open() would give
        os.fchmod(fd, 0o666 & ~_umask())
    finally:
        os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if fsync:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: put it straight back
    os.umask(mask)
    return mask


def write_text_atomic(path: str | Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
