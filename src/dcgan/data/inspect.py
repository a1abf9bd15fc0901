"""``dcgan data inspect``: what a path or dataset name holds, as the trainer would see it.

Reports the reader (format), image count, native image size(s) and channels (from a sample
of decoded files for streamed data, or from the reader for in-memory data), the model-input
size, images per class, and corrupt items met in the sample; writes a grid of a few images.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import torch

from dcgan.data.decode import CorruptImage, decode_raw
from dcgan.data.registry import DATASETS, detect_format, open_dataset
from dcgan.data.streaming import StreamedImages, stream_only
from dcgan.data.types import InMemoryImages
from dcgan.images import save_grid


def _labels(dataset) -> list[int] | None:
    if isinstance(dataset, InMemoryImages):
        return dataset.labels.tolist() if dataset.labels is not None else None
    labels = getattr(dataset, "labels", None)
    return list(labels) if labels is not None and any(x >= 0 for x in labels) else None


def inspect_dataset(
    name: str, *, resolution: int = 64, channels: int = 3, split: str = "train", path: str = "",
    grid: str | Path | None = None, n_grid: int = 64, n_sample: int = 64, seed: int = 0,
) -> dict[str, Any]:
    """Open ``name`` and describe it; ``grid`` (a PNG path) receives ``n_grid`` random images."""
    fmt = f"dataset '{name}'" if name in DATASETS else detect_format(Path(path or name)).name
    with stream_only():  # look at the files themselves: native sizes, and corrupt ones named
        dataset = open_dataset(name, resolution=resolution, channels=channels, split=split, path=path)
    n = len(dataset)
    g = torch.Generator().manual_seed(seed)
    picks = torch.randperm(n, generator=g)[: max(n_grid, n_sample)].tolist()
    info: dict[str, Any] = {
        "format": fmt, "description": dataset.description, "count": n, "split": split,
        "model_input": f"{resolution}x{resolution}x{channels}",
    }
    if isinstance(dataset, StreamedImages):
        sizes: Counter = Counter()
        bad = []
        for i in picks[:n_sample]:
            try:
                arr = decode_raw(dataset.read_bytes(i))
                sizes[f"{arr.shape[1]}x{arr.shape[0]}x{arr.shape[2]}"] += 1
            except (CorruptImage, OSError, KeyError) as exc:
                bad.append(f"{dataset.item_name(i)} ({exc})")
        info["native_sizes_in_sample"] = dict(sizes.most_common())
        info["corrupt_in_sample"] = bad
    labels = _labels(dataset)
    names = getattr(dataset, "class_names", None)
    if labels is not None:
        counts = Counter(labels)
        info["classes"] = {
            (names[k] if names and 0 <= k < len(names) else str(k)): counts[k] for k in sorted(counts)
        }
    else:
        info["classes"] = None
    if grid:
        images = torch.stack([dataset[i][0] for i in picks[:n_grid]])
        info["grid"] = str(save_grid(images, grid, scale=2 if resolution <= 32 else 1))
    return info


def format_report(info: dict[str, Any]) -> str:
    lines = [
        f"format:       {info['format']}",
        f"description:  {info['description']}",
        f"images:       {info['count']} (split {info['split']})",
        f"model input:  {info['model_input']} (uint8, scaled to [-1, 1] on the device)",
    ]
    if "native_sizes_in_sample" in info:
        sizes = ", ".join(f"{k} ({v})" for k, v in info["native_sizes_in_sample"].items())
        lines.append(f"native sizes: {sizes or '-'} (WxHxC, in a sample)")
        if info["corrupt_in_sample"]:
            lines.append(f"corrupt:      {len(info['corrupt_in_sample'])} in the sample: {'; '.join(info['corrupt_in_sample'][:5])}")
    if info["classes"]:
        lines.append(f"classes:      {len(info['classes'])}")
        lines += [f"  {name:>20s}: {count}" for name, count in info["classes"].items()]
    else:
        lines.append("classes:      none (unlabelled)")
    if info.get("grid"):
        lines.append(f"grid:         {info['grid']}")
    return "\n".join(lines)
