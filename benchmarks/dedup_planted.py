"""Planted near-duplicates: precision and recall of the §4.1.1 semantic hash, by transformation family.

For each dataset (Fashion-MNIST from the registry; CIFAR-10 from ../shared/datasets/cifar10-jpg.zip)
a seeded sample of ``--base`` training images is taken, and for ``--per-family`` further images
(distinct sources for every family) a transformed copy is appended, one family at a time:

  shift       translate by 1-2 px (x and/or y; edges replicated)
  crop        crop a 28-30 px window at a random place and resize back to 32 (bicubic, antialiased)
  jpeg        re-encode as JPEG, quality 70-90
  brightness  contrast x0.9-1.1 about the image mean, then brightness +-8% of full range
  flip        horizontal mirror

The autoencoder is fitted on the whole set (as ``dcgan dedup`` would be), every image is hashed,
and images are grouped (exact hash, then Hamming radius 1 and 2) under both threshold rules.

Precision: flagged pairs (every pair of images inside one group) that are planted (source, copy)
pairs, over all flagged pairs. Pairs not planted count as false positives, although some are
natural duplicates of the data: those with mean absolute pixel difference <= 4/255 are counted
apart ("near-identical"). The paper's figure to compare: false positives "under 1 in 100" of
hash collisions (by visual inspection). Recall: planted pairs that share a group, per family.

Usage (default sizes: a few minutes on a 2-core CPU):
    .venv/bin/python benchmarks/dedup_planted.py
    .venv/bin/python benchmarks/dedup_planted.py --base 2000 --per-family 20 --epochs 2   # smoke test
Writes results/dedup_planted.json, results/dedup_planted.md and results/dedup_planted_<data>_*.png.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from dcgan import DcganError
from dcgan.data.types import InMemoryImages
from dcgan.dedup.fit import FitSettings, fit_autoencoder
from dcgan.dedup.grouping import group_codes
from dcgan.dedup.hashing import binarise, encode_dataset, fit_threshold, hash_dataset, pack_bits
from dcgan.dedup.source import gather, open_for_dedup
from dcgan.images import save_grid
from dcgan.models.autoencoder import AutoencoderConfig

ROOT = Path(__file__).resolve().parents[1]
CIFAR_ZIP = ROOT.parent / "shared" / "datasets" / "cifar10-jpg.zip"
FAMILIES = ("shift", "crop", "jpeg", "brightness", "flip")
NEAR_IDENTICAL_MAE = 4.0  # /255: unplanted pairs this close are natural duplicates, not hash errors
MAX_FALSE_PAIRS_CHECKED = 200_000
PAPER_FP_RATE = 0.01


# ---- transformations (uint8 (3, 32, 32) -> uint8 (3, 32, 32)), each drawing from ``rng``


def shift(img: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    dy, dx = 0, 0
    while dy == 0 and dx == 0:
        dy, dx = (int(v) for v in rng.integers(-2, 3, 2))
    padded = F.pad(img[None].float(), (2, 2, 2, 2), mode="replicate")[0]
    return padded[:, 2 + dy : 34 + dy, 2 + dx : 34 + dx].round().to(torch.uint8)


def crop(img: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    size = int(rng.integers(28, 31))
    top, left = (int(v) for v in rng.integers(0, 33 - size, 2))
    window = img[None, :, top : top + size, left : left + size].float()
    out = F.interpolate(window, size=32, mode="bicubic", antialias=True, align_corners=False)
    return out[0].round().clamp(0, 255).to(torch.uint8)


def jpeg(img: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    buf = io.BytesIO()
    Image.fromarray(img.permute(1, 2, 0).numpy()).save(buf, format="JPEG", quality=int(rng.integers(70, 91)))
    return torch.from_numpy(np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB")).copy()).permute(2, 0, 1)


def brightness(img: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    x = img.float()
    contrast, offset = rng.uniform(0.9, 1.1), rng.uniform(-0.08, 0.08) * 255
    return ((x - x.mean()) * contrast + x.mean() + offset).round().clamp(0, 255).to(torch.uint8)


def flip(img: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    return img.flip(-1)


TRANSFORMS = {"shift": shift, "crop": crop, "jpeg": jpeg, "brightness": brightness, "flip": flip}


# ---- data


def load_base(name: str, n: int, seed: int, log) -> tuple[torch.Tensor, str]:
    """A seeded sample of ``n`` training images, uint8 (n, 3, 32, 32), and a note on how it was read."""
    if name == "cifar10":
        try:
            dataset, note = open_for_dedup(str(CIFAR_ZIP)), "registry zip reader"
        except DcganError as exc:  # no zip reader registered: read it here
            log(f"  registry cannot read {CIFAR_ZIP} ({exc}); falling back to zipfile + PIL")
            dataset, note = read_cifar_zip(CIFAR_ZIP), "zipfile + PIL fallback in the benchmark"
    else:
        dataset, note = open_for_dedup(name), "registry"
    pick = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed))[:n].sort().values
    return gather(dataset, pick), note


def read_cifar_zip(path: Path) -> InMemoryImages:
    with zipfile.ZipFile(path) as zf:
        names = sorted(m for m in zf.namelist() if "/train/" in m and m.lower().endswith(".jpg"))
        arrays = [np.asarray(Image.open(io.BytesIO(zf.read(m))).convert("RGB").resize((32, 32))) for m in names]
    return InMemoryImages(torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous())


def plant(base: torch.Tensor, per_family: int, seed: int) -> tuple[torch.Tensor, list[tuple[int, int, str]]]:
    """Append one transformed copy of ``per_family`` distinct sources per family -> (images, planted pairs)."""
    rng = np.random.default_rng(seed)
    n = len(base)
    if per_family * len(FAMILIES) > n:
        raise SystemExit(f"--per-family {per_family} x {len(FAMILIES)} families needs at least that many base images")
    sources = rng.permutation(n)[: per_family * len(FAMILIES)].reshape(len(FAMILIES), per_family)
    copies, pairs = [], []
    for family, row in zip(FAMILIES, sources):
        for src in row.tolist():
            copies.append(TRANSFORMS[family](base[src], rng))
            pairs.append((src, n + len(pairs), family))
    return torch.cat([base, torch.stack(copies)]), pairs


# ---- scoring


def score(groups: list[list[int]], images: torch.Tensor, pairs: list[tuple[int, int, str]]) -> dict:
    group_of = {i: k for k, g in enumerate(groups) for i in g}
    flagged = sum(len(g) * (len(g) - 1) // 2 for g in groups)
    found = {f: 0 for f in FAMILIES}
    planted = {(a, b) for a, b, _ in pairs}
    for a, b, family in pairs:
        if a in group_of and group_of.get(a) == group_of.get(b):
            found[family] += 1
    true = sum(found.values())
    false_pairs = []
    for g in groups:
        for i in range(len(g)):
            for j in range(i + 1, len(g)):
                if (g[i], g[j]) not in planted:
                    false_pairs.append((g[i], g[j]))
                    if len(false_pairs) >= MAX_FALSE_PAIRS_CHECKED:
                        break
            if len(false_pairs) >= MAX_FALSE_PAIRS_CHECKED:
                break
    near_identical = 0
    if false_pairs:
        idx = torch.tensor(false_pairs)
        for s in range(0, len(idx), 4096):
            a, b = images[idx[s : s + 4096, 0]].float(), images[idx[s : s + 4096, 1]].float()
            near_identical += int(((a - b).abs().mean((1, 2, 3)) <= NEAR_IDENTICAL_MAE).sum())
    false = flagged - true
    # near-identical share measured on the (capped) false pairs checked, applied to all false pairs
    natural = false * near_identical / len(false_pairs) if false_pairs else 0.0
    per = len(pairs) // len(FAMILIES)
    return {
        "flagged_pairs": flagged,
        "true_pairs": true,
        "false_pairs": false,
        "false_pairs_near_identical": near_identical,
        "false_pairs_checked": len(false_pairs),
        "precision": true / flagged if flagged else None,
        "fp_rate": false / flagged if flagged else None,
        "fp_rate_excluding_near_identical": (false - natural) / flagged if flagged else None,
        "recall": {f: found[f] / per for f in FAMILIES},
        "recall_all": true / len(pairs),
        "groups": len(groups),
        "removed": sum(len(g) - 1 for g in groups),
    }


def collision_grids(images, groups, pairs, prefix: Path, width: int = 10) -> list[str]:
    """<prefix>_collisions.png: 16 groups (largest 8, then 8 at random) as rows; <prefix>_planted.png:
    per family, pairs (source, copy) found then missed."""
    written = []
    rng = np.random.default_rng(0)
    chosen = groups[:8]
    if len(groups) > 8:
        extra = rng.choice(np.arange(8, len(groups)), min(8, len(groups) - 8), replace=False)
        chosen = chosen + [groups[i] for i in sorted(extra.tolist())]
    if chosen:
        rows = []
        for g in chosen:
            row = images[torch.tensor(g[:width])]
            rows.append(torch.cat([row, torch.full((width - len(row), 3, 32, 32), 255, dtype=torch.uint8)]))
        written.append(str(save_grid(torch.cat(rows), f"{prefix}_collisions.png", nrow=width, scale=2)))
    group_of = {i: k for k, g in enumerate(groups) for i in g}
    rows = []
    for family in FAMILIES:
        fam = [(a, b) for a, b, f in pairs if f == family]
        hit = [p for p in fam if p[0] in group_of and group_of.get(p[0]) == group_of.get(p[1])][:3]
        miss = [p for p in fam if p not in hit][: 6 - len(hit)]
        tiles = [images[i] for p in hit + miss for i in p]
        tiles += [torch.full((3, 32, 32), 255, dtype=torch.uint8)] * (12 - len(tiles))
        rows.append(torch.stack(tiles))
    written.append(str(save_grid(torch.cat(rows), f"{prefix}_planted.png", nrow=12, scale=2)))
    return written


def run_dataset(name: str, args, log) -> dict:
    t0 = time.perf_counter()
    base, note = load_base(name, args.base, args.seed, log)
    images, pairs = plant(base, args.per_family, args.seed + 1)
    log(f"{name}: {len(base)} base images ({note}), {len(pairs)} planted copies; loading {time.perf_counter() - t0:.0f}s")
    dataset = InMemoryImages(images)
    model, history = fit_autoencoder(dataset, AutoencoderConfig(), FitSettings(epochs=args.epochs, seed=args.seed))
    log(f"  fitted in {history['seconds']:.0f}s (mse {history['epoch_mse'][-1]:.4f})")
    codes = encode_dataset(model, dataset)
    result = {"data": name, "read_with": note, "base_images": len(base), "planted_pairs": len(pairs),
              "per_family": args.per_family, "fit": history, "rules": {}}
    for rule in args.thresholds:
        threshold = fit_threshold(codes, rule)["values"]
        if rule == args.thresholds[0]:
            hashed = hash_dataset(model, dataset, threshold)  # the timed, batched pass of ``dcgan dedup``
            packed = hashed.packed
            result["hash_images_per_s"] = hashed.images_per_s
            result["hash_3m_minutes"] = 3e6 / hashed.images_per_s / 60
        else:
            packed = pack_bits(binarise(codes, threshold))
        result["rules"][rule] = {}
        for radius in args.radii:
            grouping = group_codes(packed, radius)
            scored = score(grouping.groups, images, pairs)
            scored["unique_codes"] = grouping.unique_codes
            scored["candidate_pairs"] = grouping.candidate_pairs
            result["rules"][rule][str(radius)] = scored
            log(f"  {rule:6s} r={radius}: precision {fmt(scored['precision'])}, recall {fmt(scored['recall_all'])} "
                f"({', '.join(f'{f} {v:.2f}' for f, v in scored['recall'].items())}), removed {scored['removed']}")
            if rule == args.thresholds[0] and radius == args.radii[0]:
                result["pictures"] = collision_grids(images, grouping.groups, pairs,
                                                     Path(args.out) / f"dedup_planted_{name}_{rule}_r{radius}")
    result["seconds"] = time.perf_counter() - t0
    return result


def fmt(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def markdown(results: list[dict]) -> str:
    lines = ["| data | threshold | radius | flagged pairs | precision | FP rate (paper < 0.01) | FP excl. near-identical | "
             + " | ".join(f"recall {f}" for f in FAMILIES) + " | removed |",
             "|" + "---|" * (8 + len(FAMILIES))]
    for res in results:
        for rule, by_radius in res["rules"].items():
            for radius, s in by_radius.items():
                lines.append(f"| {res['data']} | {rule} | {radius} | {s['flagged_pairs']} | {fmt(s['precision'])} | "
                             f"{fmt(s['fp_rate'])} | {fmt(s['fp_rate_excluding_near_identical'])} | "
                             + " | ".join(f"{s['recall'][f]:.2f}" for f in FAMILIES) + f" | {s['removed']} |")
    lines.append("")
    for res in results:
        lines.append(f"- {res['data']}: {res['base_images']} base images + {res['planted_pairs']} planted copies "
                     f"({res['per_family']} a family); hashing {res['hash_images_per_s']:,.0f} images/s "
                     f"(3M images: {res['hash_3m_minutes']:.1f} min); read with {res['read_with']}.")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", default="fashion-mnist,cifar10")
    p.add_argument("--base", type=int, default=20_000, help="base images per dataset (default 20000)")
    p.add_argument("--per-family", type=int, default=200, help="planted copies per family (default 200)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--thresholds", default="median,zero")
    p.add_argument("--radii", default="0,1,2")
    p.add_argument("--out", default=str(ROOT / "results"))
    args = p.parse_args(argv)
    args.thresholds = args.thresholds.split(",")
    args.radii = [int(r) for r in args.radii.split(",")]
    Path(args.out).mkdir(parents=True, exist_ok=True)
    log = lambda line: print(line, file=sys.stderr, flush=True)
    results = []
    for name in args.datasets.split(","):
        if name == "cifar10" and not CIFAR_ZIP.is_file():
            log(f"cifar10: {CIFAR_ZIP} not found, skipped")
            continue
        results.append(run_dataset(name, args, log))
    report = {"paper_fp_rate": PAPER_FP_RATE, "near_identical_mae": NEAR_IDENTICAL_MAE, "args": vars(args),
              "torch_threads": torch.get_num_threads(), "results": results}
    out = Path(args.out)
    (out / "dedup_planted.json").write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(results)
    (out / "dedup_planted.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
