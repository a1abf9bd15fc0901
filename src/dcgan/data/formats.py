"""Registers the readers for the datasets users bring (paper §4: LSUN, faces, ImageNet-1k 32x32;
§5: CIFAR-10, SVHN): by name and by a detector on the path.

Detection order (first match wins): MNIST-format IDX folder (registered in ``registry``),
CIFAR python batches (folder or tar.gz), SVHN ``.mat``, LSUN lmdb, ``.npy``/``.npz`` arrays and
packs, a zip of images, then any other folder (read as a folder of images).

Named datasets: ``cifar10`` (python batches, its tar.gz, or a zip of class folders such as
``cifar10-jpg.zip``), ``svhn``, ``lsun``, ``folder``, ``celeba`` (a zip or folder of faces),
``utkface`` (labels from file names, ``data.utkface``). A name's default location comes from
``DCGAN_<NAME>`` (e.g. ``DCGAN_CIFAR10``) or, for ``cifar10``/``celeba``/``utkface``, from
``../shared/datasets`` next to the checkout when present. Several sources at once:
``data.name=a.zip,b.zip`` or ``data.name=utkface,celeba`` (``data.multi``). A path is read by its
format alone: UTKFace's file-name labels and held-out split apply only when the user names them
(``data.name=utkface`` with ``data.path``, or ``utkface:PATH``), so a folder of photos that
happen to carry UTKFace names is a plain folder of all its images.
"""

from __future__ import annotations

import os
from pathlib import Path

from dcgan import DcganError
from dcgan.data.arrays import is_array_file, load_arrays
from dcgan.data.cifar import CIFAR10_CLASSES, is_cifar, load_cifar
from dcgan.data.folder import load_image_folder
from dcgan.data.lmdb_reader import is_lmdb, load_lmdb
from dcgan.data.registry import register_dataset, register_format
from dcgan.data.svhn import is_svhn, load_svhn
from dcgan.data.utkface import load_utkface
from dcgan.data.zipped import is_zip, load_zip

SHARED_DATASETS = Path(__file__).resolve().parents[4] / "shared" / "datasets"


def _default(name: str, shared_file: str = "") -> str:
    env = os.environ.get(f"DCGAN_{name.upper().replace('-', '_')}", "")
    if env:
        return env
    if shared_file and (SHARED_DATASETS / shared_file).exists():
        return str(SHARED_DATASETS / shared_file)
    return ""


def load_cifar10(path: Path, split: str, resolution: int, channels: int):
    """CIFAR-10 from its python version, or from a zip/folder of ``{train,test}/<class>/`` images."""
    if is_cifar(path):
        return load_cifar(path, split, resolution, channels)
    dataset = load_zip(path, split, resolution, channels) if is_zip(path) else load_image_folder(path, split, resolution, channels)
    if dataset.class_names != CIFAR10_CLASSES:
        raise DcganError(f"'{path}' does not look like CIFAR-10: class folders {dataset.class_names}, expected {CIFAR10_CLASSES}")
    return dataset


def load_folder(path: Path, split: str, resolution: int, channels: int):
    return load_zip(path, split, resolution, channels) if is_zip(path) else load_image_folder(path, split, resolution, channels)


register_format("cifar", is_cifar, load_cifar)
register_format("svhn", is_svhn, load_svhn)
register_format("lmdb", is_lmdb, load_lmdb)
register_format("arrays", is_array_file, load_arrays)
register_format("zip", is_zip, load_zip)
register_format("folder", lambda p: p.is_dir(), load_image_folder)

register_dataset("cifar10", load_cifar10, _default("cifar10", "cifar10-jpg.zip"),
                 "CIFAR-10: cifar-10-batches-py (or its tar.gz) or a zip/folder of {train,test}/<class>/ images")
register_dataset("svhn", load_svhn, _default("svhn"), "SVHN cropped digits: folder of {train,test,extra}_32x32.mat")
register_dataset("lsun", load_lmdb, _default("lsun"), "LSUN lmdb: a *_lmdb folder, or a folder of *_{split}_lmdb")
register_dataset("folder", load_folder, "", "a folder (or zip) of images; class labels from sub-folders")
register_dataset("celeba", load_folder, _default("celeba", "celeba-10k.zip"), "a folder or zip of face images")
register_dataset("utkface", load_utkface, _default("utkface", "utkface-64.zip"),
                 "UTKFace (a zip or folder of <age>_<gender>_<race>_<datetime>.jpg): labels gender (default), "
                 "age, race, age_group; splits train/test (fixed ~10% by file-name hash) and all")
