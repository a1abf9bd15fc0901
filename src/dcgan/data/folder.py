"""A folder of images, searched recursively (jpg, png, webp, bmp, ...; mixed sizes and modes).

Files are listed once (sorted, so indices are stable). A folder whose decoded images fit the
memory limit (``data.streaming.in_memory_limit_bytes``: a few thousand photos easily do) is
decoded once into memory (``load_image_folder``); a larger one is streamed, decoded per item,
which works with DataLoader workers. Each image goes through ``data.decode`` (short side to the
resolution, bicubic antialiased, centre crop; grey by luma). Split and labels follow
``data.layout`` (``train``/``test`` folders; class = first-level sub-folder). Corrupt files
are replaced and counted (``data.streaming``). For many epochs over a large folder,
``dcgan data prepare`` packs it once into a file that loads in memory.
"""

from __future__ import annotations

import os
from pathlib import Path

from dcgan import DcganError
from dcgan.data.decode import IMAGE_EXTENSIONS, is_image_name
from dcgan.data.layout import class_labels, select_split
from dcgan.data.streaming import StreamedImages, decode_in_memory, fits_in_memory
from dcgan.data.types import ImageDataset


def list_images(root: Path) -> list[str]:
    """Relative posix paths of every image file under ``root`` (hidden files/folders skipped), sorted."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel = Path(dirpath).relative_to(root)
        found += [(rel / f).as_posix() for f in filenames if is_image_name(f) and not f.startswith(".")]
    return sorted(found)


class FolderImages(StreamedImages):
    def __init__(self, root: str | Path, split: str, resolution: int, channels: int):
        root = Path(root)
        if not root.is_dir():
            raise DcganError(f"image folder '{root}' does not exist or is not a folder")
        files = list_images(root)
        if not files:
            raise DcganError(f"image folder '{root}' holds no images (looked for {', '.join(IMAGE_EXTENSIONS)})")
        selected = select_split(files, split, str(root))
        labels, names = class_labels([parts for _, parts in selected])
        self.root, self.files, self.labels = root, [p for p, _ in selected], labels
        classes = f", {len(names)} classes from sub-folders" if names else ""
        super().__init__(
            resolution, channels,
            f"image folder '{root}' split={split} ({len(self.files)} images{classes}, streamed)",
            names,
        )

    def __len__(self) -> int:
        return len(self.files)

    def read_bytes(self, index: int) -> bytes:
        return (self.root / self.files[index]).read_bytes()

    def item_name(self, index: int) -> str:
        return str(self.root / self.files[index])

    def label(self, index: int) -> int:
        return self.labels[index]


def load_image_folder(root: str | Path, split: str, resolution: int, channels: int) -> ImageDataset:
    """The folder in memory when it fits, else streamed (see the module docstring)."""
    streamed = FolderImages(root, split, resolution, channels)
    return decode_in_memory(streamed) if fits_in_memory(len(streamed), resolution, channels) else streamed


def is_image_folder(path: Path) -> bool:
    """A folder with at least one image file somewhere below it (checked lazily)."""
    if not path.is_dir():
        return False
    for _dirpath, _dirnames, filenames in os.walk(path):
        if any(is_image_name(f) for f in filenames):
            return True
    return False
