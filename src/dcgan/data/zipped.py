"""A zip of images, such as ``cifar10-jpg.zip`` (``cifar10-jpg/{train,test}/<class>/NNNN.jpg``).

Split and labels follow ``data.layout``: the split is the ``train``/``test`` path component and
the class is the folder below it. A zip whose decoded images fit in memory (at the model's
resolution, under ``DCGAN_IN_MEMORY_MB``, default 4096 MB) is decoded once into
``InMemoryImages`` (all 50,000 CIFAR-10 JPEGs take seconds); corrupt members are then dropped
and counted with a warning. Larger zips are streamed like a folder (one ``ZipFile`` handle per
process, so DataLoader workers each open their own), with corrupt members replaced.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from dcgan import DcganError
from dcgan.data.decode import is_image_name
from dcgan.data.layout import class_labels, select_split
from dcgan.data.streaming import StreamedImages, decode_in_memory, fits_in_memory
from dcgan.data.types import ImageDataset


def open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DcganError(f"'{path}' is not a readable zip archive: {exc}") from None


def list_members(zf: zipfile.ZipFile) -> list[str]:
    return sorted(
        i.filename for i in zf.infolist()
        if not i.is_dir() and is_image_name(i.filename) and not i.filename.startswith("__MACOSX/")
        and not i.filename.rsplit("/", 1)[-1].startswith(".")
    )


class ZipImages(StreamedImages):
    """Streamed members of a zip (for archives too large to decode into memory)."""

    def __init__(self, path: Path, members: list[str], labels: list[int], names, resolution: int, channels: int,
                 description: str):
        super().__init__(resolution, channels, description, names)
        self.path, self.members, self.labels = path, members, labels
        self._zf: zipfile.ZipFile | None = None
        self._pid = -1

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_zf"], state["_pid"] = None, -1
        return state

    def _zip(self) -> zipfile.ZipFile:
        if self._zf is None or self._pid != os.getpid():  # one handle per process: file offsets are not shareable
            self._zf, self._pid = zipfile.ZipFile(self.path), os.getpid()
        return self._zf

    def __len__(self) -> int:
        return len(self.members)

    def read_bytes(self, index: int) -> bytes:
        return self._zip().read(self.members[index])

    def item_name(self, index: int) -> str:
        return f"{self.path}:{self.members[index]}"

    def label(self, index: int) -> int:
        return self.labels[index]


def load_zip(path: str | Path, split: str, resolution: int, channels: int) -> ImageDataset:
    path = Path(path)
    with open_zip(path) as zf:
        files = list_members(zf)
        if not files:
            raise DcganError(f"zip '{path}' holds no images (jpg, png, webp, bmp, ...)")
        selected = select_split(files, split, str(path))
        members = [m for m, _ in selected]
        labels, names = class_labels([parts for _, parts in selected])
        classes = f", {len(names)} classes" if names else ""
        streamed = ZipImages(path, members, labels, names, resolution, channels,
                             f"zip '{path}' split={split} ({len(members)} images{classes}, streamed)")
    # under the memory limit, decoded once (data.streaming); above it, read per batch
    return decode_in_memory(streamed) if fits_in_memory(len(members), resolution, channels) else streamed


def is_zip(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".zip" and zipfile.is_zipfile(path)
