"""CIFAR-10 (and CIFAR-100), the python version: ``cifar-10-batches-py/`` or the ``.tar.gz`` as downloaded.

Batches are pickles of ``{b"data": uint8 (10000, 3072), b"labels": [int]}`` (rows are R, G, B
planes of 32x32, row-major); ``train`` = ``data_batch_1..5``, ``test`` = ``test_batch``; class
names from ``batches.meta`` (``label_names``). CIFAR-100 (``cifar-100-python``: ``train``,
``test``, ``fine_labels``, ``meta``/``fine_label_names``) is read the same way. Pickles are
read with a restricted unpickler that only builds dicts, lists, strings and numpy arrays, so a
tampered file cannot run code. The paper evaluates features on CIFAR-10 (§5.1, Table 1).
"""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
import torch

from dcgan import DcganError
from dcgan.data.transforms import prepare_images
from dcgan.data.types import InMemoryImages

CIFAR10_SPLITS = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}
CIFAR100_SPLITS = {"train": ["train"], "test": ["test"]}
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("builtins", "dict"), ("builtins", "list"), ("builtins", "bytes"),
    ("_codecs", "encode"),
}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a CIFAR batch")


def read_batch(data: bytes, where: str) -> dict:
    """One pickled batch -> dict with str keys (the python-2 pickles have bytes keys)."""
    try:
        obj = _SafeUnpickler(io.BytesIO(data), encoding="bytes").load()
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is a bad file
        raise DcganError(f"'{where}' is not a CIFAR python batch: {exc}") from None
    if not isinstance(obj, dict):
        raise DcganError(f"'{where}' is not a CIFAR python batch (a {type(obj).__name__}, not a dict)")
    return {(k.decode() if isinstance(k, bytes) else k): v for k, v in obj.items()}


class _Source:
    """Files of an extracted ``cifar-*-batches-py``/``cifar-100-python`` folder or of its tar.gz."""

    def __init__(self, root: Path):
        self.root = root
        self.members: dict[str, bytes] = {}
        if root.is_file():
            try:
                with tarfile.open(root) as tar:
                    for m in tar.getmembers():
                        if m.isfile():
                            self.members[Path(m.name).name] = tar.extractfile(m).read()
            except (tarfile.TarError, OSError, EOFError) as exc:
                raise DcganError(f"'{root}' is not a readable CIFAR tar.gz: {exc}") from None
        else:
            sub = [p for p in (root / "cifar-10-batches-py", root / "cifar-100-python") if p.is_dir()]
            self.dir = sub[0] if sub else root

    def names(self) -> set[str]:
        return set(self.members) if self.members else {p.name for p in self.dir.iterdir() if p.is_file()}

    def read(self, name: str) -> bytes:
        if self.members:
            if name not in self.members:
                raise DcganError(f"'{self.root}' has no '{name}' (is it the CIFAR python version?)")
            return self.members[name]
        path = self.dir / name
        if not path.is_file():
            raise DcganError(f"'{self.dir}' has no '{name}' (expected the CIFAR python version, cifar-10-batches-py)")
        return path.read_bytes()


def load_cifar(root: str | Path, split: str, resolution: int, channels: int) -> InMemoryImages:
    root = Path(root)
    source = _Source(root)
    names = source.names()
    cifar100 = "meta" in names and "batches.meta" not in names
    splits = CIFAR100_SPLITS if cifar100 else CIFAR10_SPLITS
    if split not in splits:
        raise DcganError(f"CIFAR has splits {list(splits)}, not '{split}'")
    label_key = "fine_labels" if cifar100 else "labels"
    data, labels = [], []
    for name in splits[split]:
        batch = read_batch(source.read(name), f"{root}/{name}")
        if "data" not in batch or label_key not in batch:
            raise DcganError(f"'{root}/{name}' lacks 'data'/'{label_key}' (keys: {sorted(batch)})")
        arr = np.asarray(batch["data"])
        if arr.dtype != np.uint8 or arr.ndim != 2 or arr.shape[1] != 3072:
            raise DcganError(f"'{root}/{name}': data is {arr.dtype} {arr.shape}, expected uint8 (N, 3072)")
        data.append(arr)
        labels.append(np.asarray(batch[label_key], dtype=np.int64))
    images = torch.from_numpy(np.concatenate(data).reshape(-1, 3, 32, 32))
    label_tensor = torch.from_numpy(np.concatenate(labels))
    if len(label_tensor) != len(images):
        raise DcganError(f"'{root}': {len(images)} images but {len(label_tensor)} labels")
    meta_name, names_key = ("meta", "fine_label_names") if cifar100 else ("batches.meta", "label_names")
    class_names = CIFAR10_CLASSES if not cifar100 else None
    if meta_name in names:
        meta = read_batch(source.read(meta_name), f"{root}/{meta_name}")
        if names_key in meta:
            class_names = [n.decode() if isinstance(n, bytes) else str(n) for n in meta[names_key]]
    kind = "CIFAR-100" if cifar100 else "CIFAR-10"
    return InMemoryImages(
        prepare_images(images, resolution, channels),
        label_tensor,
        f"{kind} python '{root}' split={split} ({len(images)} images, 32x32 -> {resolution}x{resolution})",
        class_names,
    )


def is_cifar(path: Path) -> bool:
    if path.is_file():
        return path.name.startswith(("cifar-10-python", "cifar-100-python")) and path.name.endswith((".tar.gz", ".tgz"))
    if not path.is_dir():
        return False
    for d in (path, path / "cifar-10-batches-py", path / "cifar-100-python"):
        if (d / "data_batch_1").is_file() or (d / "test_batch").is_file() or ((d / "meta").is_file() and (d / "train").is_file()):
            return True
    return False
