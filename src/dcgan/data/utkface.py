"""UTKFace: aligned face crops whose labels are in the file name (the face stand-in of paper §6.3.2).

``<age>_<gender>_<race>_<datetime>.jpg`` (``utkface-64.zip`` holds ``utkface-64/<name>``; the
original's ``.jpg.chip.jpg`` suffix is accepted too). UTKFace's own coding: age in years; gender
0 = male, 1 = female; race 0-4 = White, Black, Asian, Indian, Others. Files whose names do not
parse are skipped and counted in the description.

Attributes (``ImageDataset.attributes``; ``data.label`` picks the label, default ``gender``):

- ``gender``: 0 male, 1 female;
- ``age``: years (numeric; as a label it is the integer itself);
- ``race``: 0-4 as above;
- ``age_group``: 0 young (< 30, children included), 1 middle (30-49), 2 old (>= 50).

Splits: UTKFace has none, so one is fixed here by the file name alone: an image is in ``test``
when the first byte of SHA-1(base name) is < 26 (about 10%), otherwise in ``train``; ``all`` is
both. The split therefore does not depend on listing order or on which other files are present.
Images are decoded once into memory through ``data.decode`` (the package's one resize policy).
"""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from pathlib import Path

import torch

from dcgan import DcganError
from dcgan.data.decode import decode_all, is_image_name
from dcgan.data.folder import list_images
from dcgan.data.types import InMemoryImages
from dcgan.data.zipped import is_zip, list_members, open_zip

NAME = re.compile(r"^(\d{1,3})_([01])_([0-4])_(\d+)\.jpg(?:\.chip\.jpg)?$", re.IGNORECASE)
GENDERS = ["male", "female"]
RACES = ["white", "black", "asian", "indian", "others"]
AGE_GROUPS = ["young", "middle", "old"]
YOUNG_BELOW, OLD_FROM = 30, 50  # age_group bins: [0, 30), [30, 50), [50, inf)
TEST_BYTE_BELOW = 26  # SHA-1 first byte < 26 of 256: ~10% held out
SPLITS = ("train", "test", "all")
DETECT_SAMPLE = 200  # names checked by the detector


def parse_name(name: str) -> tuple[int, int, int] | None:
    """'utkface-64/25_1_2_2017.jpg' -> (age 25, gender 1, race 2); None if it does not parse."""
    m = NAME.match(name.rsplit("/", 1)[-1])
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def age_group(age: torch.Tensor) -> torch.Tensor:
    """Ages in years -> 0 young (< 30), 1 middle (30-49), 2 old (>= 50); negative (unknown) stays -1."""
    groups = (age >= YOUNG_BELOW).long() + (age >= OLD_FROM).long()
    return torch.where(age < 0, torch.full_like(groups, -1), groups)


def split_of(name: str) -> str:
    base = name.rsplit("/", 1)[-1].encode()
    return "test" if hashlib.sha1(base).digest()[0] < TEST_BYTE_BELOW else "train"


def _names(path: Path) -> list[str]:
    if is_zip(path):
        with open_zip(path) as zf:
            return list_members(zf)
    return list_images(path)


def is_utkface(path: Path) -> bool:
    """A zip or folder whose image files (the first ``DETECT_SAMPLE``, sorted) all parse as UTKFace names."""
    if path.is_file() and not is_zip(path):
        return False
    if path.is_dir():
        names = []
        for _dirpath, dirnames, filenames in os.walk(path):
            dirnames.sort()
            names += [f for f in sorted(filenames) if is_image_name(f) and not f.startswith(".")]
            if len(names) >= DETECT_SAMPLE:
                break
    elif path.is_file():
        try:
            names = _names(path)[:DETECT_SAMPLE]
        except (DcganError, zipfile.BadZipFile):
            return False
    else:
        return False
    return bool(names) and all(parse_name(n) for n in names[:DETECT_SAMPLE])


def load_utkface(path: str | Path, split: str, resolution: int, channels: int) -> InMemoryImages:
    path = Path(path)
    if split not in SPLITS:
        raise DcganError(f"UTKFace '{path}' has splits {', '.join(SPLITS)} (a fixed hash of the file name), not '{split}'")
    names = _names(path)
    parsed = [(n, parse_name(n)) for n in names]
    good_names = [(n, p) for n, p in parsed if p is not None]
    skipped = len(parsed) - len(good_names)
    chosen = [(n, p) for n, p in good_names if split == "all" or split_of(n) == split]
    if not chosen:
        raise DcganError(f"UTKFace '{path}' split={split}: no image has a name <age>_<gender>_<race>_<datetime>.jpg")
    if is_zip(path):
        with open_zip(path) as zf:
            images, good, bad = decode_all((zf.read(n) for n, _ in chosen), len(chosen), resolution, channels)
    else:
        images, good, bad = decode_all(((path / n).read_bytes() for n, _ in chosen), len(chosen), resolution, channels)
    if not good:
        raise DcganError(f"UTKFace '{path}' split={split}: none of its {len(chosen)} images decode")
    values = torch.tensor([chosen[i][1] for i in good], dtype=torch.long)  # (N, 3): age, gender, race
    attributes = {"gender": values[:, 1], "age": values[:, 0], "race": values[:, 2], "age_group": age_group(values[:, 0])}
    attribute_names = {"gender": GENDERS, "age": None, "race": RACES, "age_group": AGE_GROUPS}
    notes = "".join(f", {k} {v}" for k, v in (("unparsed names skipped", skipped), ("corrupt dropped", len(bad))) if v)
    return InMemoryImages(
        images, attributes["gender"].clone(),
        f"UTKFace '{path}' split={split} ({len(good)} faces, label gender{notes}, decoded in memory at {resolution}px)",
        GENDERS, attributes, attribute_names,
    )
