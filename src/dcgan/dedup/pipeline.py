"""``dcgan dedup`` as a library call (§4.1.1): fit (or load) the autoencoder, hash, group, write.

Outputs in ``out``:
  kept.txt         one dataset index a line (``# `` comment header), what ``data.keep_list`` reads:
                   ``dcgan train --set data.keep_list=OUT/kept.txt`` trains on the de-duplicated set
  groups.json      list of duplicate groups (dataset indices, representative first), largest first
  counts.json      images, groups, removed, kept, hashing images/s and the 3M-image extrapolation, ...
  groups.png       the largest groups, one row each (representative in the first column)
  autoencoder.pt   the fitted autoencoder + its binarisation threshold (reuse with ``--load``)
"""

from __future__ import annotations

import json
import platform
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from dcgan import DcganError
from dcgan.core.device import resolve_device
from dcgan.dedup.fit import FitSettings, fit_autoencoder, load_autoencoder, save_autoencoder
from dcgan.dedup.grouping import Grouping, group_codes, kept_indices
from dcgan.dedup.hashing import THRESHOLD_RULES, encode_dataset, fit_threshold, hash_dataset
from dcgan.dedup.source import gather, open_for_dedup
from dcgan.images import save_grid
from dcgan.models.autoencoder import AutoencoderConfig

PAPER_IMAGES = 3_000_000  # LSUN bedrooms, "just over 3 million" (§4.1.1 removed ~275,000)


@dataclass
class DedupOptions:
    data: str
    out: str
    split: str = "train"
    path: str = ""
    hamming: int = 0
    epochs: int = 10
    batch_size: int = 256
    lr: float = 1e-3
    seed: int = 0
    fit_images: int = 0  # 0: fit on every image
    threshold: str = "median"
    threshold_images: int = 50_000  # seeded sample whose codes set the median threshold
    load: str = ""
    device: str = "auto"
    hash_batch_size: int = 1024
    grid_groups: int = 16
    grid_width: int = 12

    def validate(self) -> None:
        if self.hamming not in (0, 1, 2):
            raise DcganError(f"--hamming must be 0, 1 or 2 (multi-index hashing stays near-linear), got {self.hamming}")
        if self.threshold not in THRESHOLD_RULES:
            raise DcganError(f"--threshold must be one of {', '.join(THRESHOLD_RULES)}, got '{self.threshold}'")
        if self.hash_batch_size < 1 or self.threshold_images < 1:
            raise DcganError("--hash-batch-size and --threshold-images must be >= 1")


def fit_or_load(dataset, opts: DedupOptions, device: torch.device, log: Callable[[str], None]):
    """-> (model, threshold dict, fit history); a fitted model is saved to ``out/autoencoder.pt``."""
    if opts.load:
        model, threshold, history = load_autoencoder(opts.load, device)
        log(f"dedup: loaded autoencoder {opts.load} (threshold rule '{threshold['rule']}')")
        return model, threshold, {"loaded": str(opts.load), **history}
    settings = FitSettings(opts.epochs, opts.batch_size, opts.lr, opts.seed, opts.fit_images)
    model, history = fit_autoencoder(dataset, AutoencoderConfig(), settings, device, log)
    sample = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(opts.seed + 2))[: opts.threshold_images]
    threshold = fit_threshold(encode_dataset(model, dataset, sample.sort().values, opts.hash_batch_size, device),
                              opts.threshold)
    save_autoencoder(Path(opts.out) / "autoencoder.pt", model, threshold, history)
    return model, threshold, history


def save_groups_picture(dataset, groups: list[list[int]], path: Path, rows: int, width: int) -> Path | None:
    """The ``rows`` largest groups, ``width`` images each (white where a group is shorter)."""
    shown = groups[:rows]
    if not shown:
        return None
    tiles = []
    for group in shown:
        images = gather(dataset, torch.tensor(group[:width]))
        blank = torch.full((width - len(images), *images.shape[1:]), 255, dtype=torch.uint8)
        tiles.append(torch.cat([images, blank]))
    return save_grid(torch.cat(tiles), path, nrow=width, scale=2)


def run_dedup(opts: DedupOptions, log: Callable[[str], None] = print) -> dict:
    """Run the whole pipeline; returns the counts dict (also written to ``out/counts.json``)."""
    opts.validate()
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    device = resolve_device(opts.device)
    dataset = open_for_dedup(opts.data, opts.split, opts.path)
    log(f"dedup: {getattr(dataset, 'description', opts.data)}: {len(dataset)} images at 32x32x3")
    model, threshold, history = fit_or_load(dataset, opts, device, log)
    hashed = hash_dataset(model, dataset, threshold["values"], opts.hash_batch_size, device)
    grouping: Grouping = group_codes(hashed.packed, opts.hamming, model.cfg.code_units)
    kept = kept_indices(grouping.groups, len(dataset))

    header = f"# dcgan dedup: kept {len(kept)} of {len(dataset)} images of {opts.data} (split {opts.split})\n"
    (out / "kept.txt").write_text(header + "".join(f"{i}\n" for i in kept))
    (out / "groups.json").write_text(json.dumps(grouping.groups) + "\n")
    picture = save_groups_picture(dataset, grouping.groups, out / "groups.png", opts.grid_groups, opts.grid_width)
    counts = {
        "data": opts.data,
        "split": opts.split,
        "images": len(dataset),
        "groups": len(grouping.groups),
        "removed": grouping.removed,
        "kept": len(kept),
        "removed_fraction": grouping.removed / len(dataset),
        "largest_group": len(grouping.groups[0]) if grouping.groups else 1,
        "unique_codes": grouping.unique_codes,
        "byte_identical_images": hashed.identical,
        "hamming_radius": opts.hamming,
        "candidate_pairs": grouping.candidate_pairs,
        "threshold_rule": threshold["rule"],
        "bits_never_or_always_set": int(((hashed.bit_rate == 0) | (hashed.bit_rate == 1)).sum()),
        "hash_seconds": hashed.seconds,
        "hash_images_per_s": hashed.images_per_s,
        "grouping_seconds": grouping.seconds,
        "extrapolated_3m_hash_minutes": PAPER_IMAGES / hashed.images_per_s / 60,
        "device": str(device),
        "torch_threads": torch.get_num_threads(),
        "machine": platform.processor() or platform.machine(),
        "fit": history,
        "options": asdict(opts),
        "groups_png": str(picture) if picture else None,
    }
    (out / "counts.json").write_text(json.dumps(counts, indent=2) + "\n")
    log(
        f"dedup: {counts['groups']} groups, {counts['removed']} removed, {counts['kept']} kept; hashing "
        f"{hashed.images_per_s:,.0f} images/s on {device} (3M images: {counts['extrapolated_3m_hash_minutes']:.1f} min)"
    )
    return counts

