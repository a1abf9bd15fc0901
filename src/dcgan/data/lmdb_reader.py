"""LSUN's official lmdb databases (``bedroom_train_lmdb/``: ``data.mdb`` + ``lock.mdb``), streamed.

Values are encoded images (LSUN: WebP; JPEG in older copies), keys are image ids. The length
comes from ``env.stat()``; there is no index-building pass. Item ``i`` is the ``i``-th entry in
key order, reached by a per-process read cursor: the cursor steps forward from where it is, or
jumps (``set_key``) to the nearest *landmark* at or before ``i``. Landmarks are the keys at
positions ``0, STRIDE, 2*STRIDE, ...``, recorded as the cursor passes them, so a random access
costs at most ``STRIDE`` cheap key steps (values are memory-mapped and not copied while
stepping) once the region has been walked, and sequential reads (``dcgan data prepare``,
``inspect``) are pure streaming. Each DataLoader worker opens its own environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from dcgan import DcganError
from dcgan.data.streaming import StreamedImages

STRIDE = 256
_ENVS: dict[tuple[str, int], object] = {}  # one environment per database and process (lmdb refuses a second)


def _open_env(path: Path):
    import lmdb

    key = (str(path.resolve()), os.getpid())
    for stale in [k for k in _ENVS if k[1] != key[1]]:
        # inherited through fork() (a DataLoader worker): close the parent's handle here, or lmdb refuses to reopen
        _ENVS.pop(stale).close()
    if key not in _ENVS:
        try:
            _ENVS[key] = lmdb.open(
                str(path), subdir=path.is_dir(), readonly=True, lock=False, readahead=False, meminit=False,
                max_readers=126,
            )
        except lmdb.Error as exc:
            raise DcganError(f"'{path}' is not a readable lmdb database: {exc}") from None
    return _ENVS[key]


class LmdbImages(StreamedImages):
    def __init__(self, path: str | Path, resolution: int, channels: int, description: str = ""):
        self.path = Path(path)
        self._len = int(_open_env(self.path).stat()["entries"])
        super().__init__(resolution, channels, description or f"LSUN lmdb '{self.path}' ({self._len} images, streamed)")
        self._reset()

    def _reset(self) -> None:
        self._env = self._txn = self._cursor = None
        self._pid, self._pos = -1, -1
        self._landmarks: list[bytes] = []  # key at position k * STRIDE

    def __getstate__(self):
        state = dict(self.__dict__)
        state.update(_env=None, _txn=None, _cursor=None, _pid=-1, _pos=-1, _landmarks=[])
        return state

    def __len__(self) -> int:
        return self._len

    def _seek(self, index: int):
        if self._pid != os.getpid():  # lmdb handles must not cross fork()
            self._reset()
            self._env, self._pid = _open_env(self.path), os.getpid()
            self._txn = self._env.begin(buffers=False)
            self._cursor = self._txn.cursor()
        cur = self._cursor
        mark = min(index // STRIDE, len(self._landmarks) - 1)
        if not (0 <= self._pos <= index and (mark < 0 or self._pos >= mark * STRIDE)):
            if mark >= 0:  # jump to the nearest known landmark
                cur.set_key(self._landmarks[mark])
                self._pos = mark * STRIDE
            else:
                if not cur.first():
                    raise IndexError(index)
                self._pos = 0
                self._landmarks = [cur.key()]
        while self._pos < index:
            if not cur.next():
                raise DcganError(f"'{self.path}' has fewer entries than its stat() says ({self._pos + 1})")
            self._pos += 1
            if self._pos % STRIDE == 0 and self._pos // STRIDE == len(self._landmarks):
                self._landmarks.append(cur.key())
        return cur

    def read_bytes(self, index: int) -> bytes:
        return self._seek(index).value()

    def item_name(self, index: int) -> str:
        try:
            key = self._seek(index).key()
        except Exception:  # noqa: BLE001 - only used to name an item in a warning
            return f"{self.path}[#{index}]"
        return f"{self.path}[{key.decode('ascii', 'replace')}]"


def find_lmdb(root: Path, split: str) -> Path:
    """``root`` itself (a database), or the one ``*_{split}_lmdb`` database in it (LSUN's naming)."""
    if (root / "data.mdb").is_file() or (root.is_file() and root.suffix == ".mdb"):
        return root
    if root.is_dir():
        found = sorted(p for p in root.iterdir() if p.is_dir() and p.name.endswith(f"_{split}_lmdb"))
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise DcganError(f"'{root}' holds several {split} databases ({', '.join(p.name for p in found)}): give one")
    raise DcganError(f"'{root}' is not an lmdb database (no data.mdb) and holds no '*_{split}_lmdb' folder")


def load_lmdb(root: Path, split: str, resolution: int, channels: int) -> LmdbImages:
    path = find_lmdb(Path(root), split)
    return LmdbImages(path, resolution, channels)


def is_lmdb(path: Path) -> bool:
    return (path.is_dir() and (path / "data.mdb").is_file()) or (path.is_file() and path.name.endswith(".mdb"))
