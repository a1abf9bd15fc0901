"""``dcgan data prepare``: pack any dataset, already resized/cropped, into one file that trains fast.

The pack is an uncompressed ``.npz`` (so ``numpy.load`` reads it anywhere) holding ``images``
uint8 (N, R, R, C) at the training resolution, ``labels`` int64 (N,) (-1 when unlabelled),
``class_names`` and ``meta`` (JSON: source, split, resolution, channels, resize policy, count,
corrupt items dropped). ``data.arrays`` memory-maps ``images`` straight out of the file, so a
pack of LSUN bedrooms opens instantly and trains through the in-memory fast path. Streamed
sources are read in order (for lmdb that is pure cursor streaming), optionally with DataLoader
workers; corrupt images are dropped (not replaced) and counted. The file is written to a
temporary name and renamed, so an interrupted prepare never leaves a truncated pack.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from dcgan import DcganError
from dcgan.data.decode import CorruptImage
from dcgan.data.registry import open_dataset
from dcgan.data.streaming import StreamedImages, stream_only
from dcgan.data.types import InMemoryImages

POLICY = "short side to resolution (bicubic, antialiased), centre crop; grey = ITU-R 601-2 luma"


@dataclass
class PackResult:
    path: Path
    count: int
    dropped: list[str] = field(default_factory=list)


class _Strict(torch.utils.data.Dataset):
    """A streamed dataset's items with no replacement: ``(index, image or None, label, reason)``."""

    def __init__(self, dataset: StreamedImages):
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int):
        try:
            return i, self.dataset.decode(i), self.dataset.label(i), ""
        except CorruptImage as exc:
            return i, None, -1, f"{self.dataset.item_name(i)} ({exc})"


def _as_list(batch):
    return batch


def _npy_header(shape: tuple[int, ...], dtype: str) -> bytes:
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def _npy_bytes(array: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def prepare_pack(
    source: str, out: str | Path, *, resolution: int, channels: int, split: str = "train", path: str = "",
    num_workers: int = 0, progress: bool = True,
) -> PackResult:
    """Read ``source`` (a dataset name or path) and write the pack ``out`` (.npz)."""
    out = Path(out)
    if out.suffix != ".npz":
        raise DcganError(f"--out '{out}' must end in .npz")
    with stream_only():  # every file read here, so that the corrupt ones are named and dropped
        dataset = open_dataset(source, resolution=resolution, channels=channels, split=split, path=path)
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = out.with_name(out.name + ".images.tmp")
    tmp = out.with_name(out.name + ".tmp")
    labels: list[int] = []
    dropped: list[str] = []
    count = 0
    try:
        with open(raw, "wb") as fh:
            if isinstance(dataset, InMemoryImages):
                for start in range(0, len(dataset), 4096):
                    fh.write(dataset.images[start : start + 4096].permute(0, 2, 3, 1).contiguous().numpy().tobytes())
                count = len(dataset)
                labels = dataset.labels.tolist() if dataset.labels is not None else [-1] * count
            else:
                loader = torch.utils.data.DataLoader(
                    _Strict(dataset) if isinstance(dataset, StreamedImages) else dataset,
                    batch_size=256, shuffle=False, num_workers=num_workers, collate_fn=_as_list,
                )
                bar = tqdm(total=len(dataset), desc="prepare", unit="img", disable=not progress, file=sys.stderr)
                for batch in loader:
                    for item in batch:
                        if len(item) == 4:
                            _, image, label, reason = item
                        else:  # a plain dataset (e.g. a keep-list subset): no corrupt-item reporting
                            (image, label), reason = item, ""
                        if image is None:
                            dropped.append(reason)
                            continue
                        fh.write(image.permute(1, 2, 0).contiguous().numpy().tobytes())
                        labels.append(int(label))
                        count += 1
                    bar.update(len(batch))
                bar.close()
        if count == 0:
            raise DcganError(f"'{source}': no decodable images to pack")
        meta = {
            "pack": 1, "source": str(path or source), "split": split, "resolution": resolution, "channels": channels,
            "policy": POLICY, "count": count, "dropped": len(dropped), "dropped_first": dropped[:20],
            "description": dataset.description,
        }
        class_names = list(getattr(dataset, "class_names", None) or [])
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            with zf.open("images.npy", "w", force_zip64=True) as member, open(raw, "rb") as src:
                member.write(_npy_header((count, resolution, resolution, channels), "|u1"))
                shutil.copyfileobj(src, member, 1 << 22)
            zf.writestr("labels.npy", _npy_bytes(np.asarray(labels, dtype=np.int64)))
            zf.writestr("class_names.npy", _npy_bytes(np.asarray(class_names, dtype=np.str_)))
            zf.writestr("meta.npy", _npy_bytes(np.asarray(json.dumps(meta))))
        os.replace(tmp, out)
    finally:
        for p in (raw, tmp):
            if p.exists():
                p.unlink()
    return PackResult(out, count, dropped)
