"""Fixture writers for the on-disk formats (made by the tests, never downloaded)."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
from PIL import Image


def colour_image(i: int, size=(24, 20), mode="RGB") -> Image.Image:
    """A flat image whose colour encodes ``i`` (so an item can be recognised after decoding)."""
    rgb = ((37 * i) % 256, (91 * i + 40) % 256, (53 * i + 90) % 256)
    img = Image.new("RGB", size, rgb)
    return img.convert(mode) if mode != "RGB" else img


def colour_of(i: int) -> np.ndarray:
    return np.array([(37 * i) % 256, (91 * i + 40) % 256, (53 * i + 90) % 256], dtype=np.float64)


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def truncated_jpeg() -> bytes:
    data = encode(Image.effect_noise((64, 64), 60).convert("RGB"), "JPEG", quality=90)
    return data[: len(data) // 2]


def write_cifar_batches(root: Path, n_per_batch: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``root/cifar-10-batches-py`` as the python version (protocol-2 pickles, bytes keys)."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    all_data, all_labels = [], []
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (n_per_batch, 3072), dtype=np.uint8)
        labels = [int(x) for x in rng.integers(0, 10, n_per_batch)]
        batch = {b"batch_label": name.encode(), b"labels": labels, b"data": data,
                 b"filenames": [f"img_{k}.png".encode() for k in range(n_per_batch)]}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
        all_data.append(data)
        all_labels += labels
    names = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"]
    meta = {b"num_cases_per_batch": n_per_batch, b"label_names": names, b"num_vis": 3072}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return np.concatenate(all_data), np.asarray(all_labels)
