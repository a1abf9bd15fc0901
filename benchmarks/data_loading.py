"""Is data loading ever what limits training? Decoded images/s of each reader vs the trainer's images/s.

Each loader is driven exactly as ``dcgan train`` drives it: ``open_dataset`` at the model's
resolution/channels, then ``BatchStream`` (seeded shuffled full batches; in-memory datasets
gathered by indexing, streamed ones through a ``DataLoader`` with ``data.num_workers``
workers, restarted each epoch as the trainer does). The first batch (worker start-up) is
timed separately from the steady rate. The trainer's rate is a few ``GANStep`` iterations
(pytorch preset, 64x64 RGB, batch 128) on the chosen device. A loader with ratio >= 1 keeps
up with training.

Loaders: Fashion-MNIST IDX (in memory), CIFAR-10 zip and CelebA-10k zip (decoded into memory;
from ``--shared``), a folder of JPEGs and an LSUN-style lmdb of WebP (streamed; synthetic
256x342 photos-like images, as LSUN has no offline copy), and a ``dcgan data prepare`` pack.

    python benchmarks/data_loading.py                    # ~2-3 min on a 2-core CPU
    python benchmarks/data_loading.py --workers 0,2,4 --device cuda --files 2000

Writes ``results/data_loading.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

import lmdb
import numpy as np
import torch
from PIL import Image

from dcgan.config import resolve_config
from dcgan.core.device import resolve_device, resolve_precision
from dcgan.data import open_dataset
from dcgan.data.loader import BatchStream
from dcgan.data.prepare import prepare_pack
from dcgan.data.types import to_model_range
from dcgan.models import build_models
from dcgan.sampling import sample_z
from dcgan.training.step import GANStep

REPO = Path(__file__).resolve().parents[1]


def photo_like(rng: np.random.Generator, size=(342, 256)) -> Image.Image:
    """Smooth colour fields plus fine texture: compresses and decodes like a photo, unlike white noise."""
    w, h = size
    base = Image.fromarray(rng.integers(0, 256, (h // 16, w // 16, 3), dtype=np.uint8)).resize((w, h), Image.BICUBIC)
    arr = np.asarray(base, dtype=np.int16) + rng.integers(-12, 13, (h, w, 1), dtype=np.int16)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def make_synthetic(root: Path, n: int, seed: int = 0) -> tuple[Path, Path]:
    """A folder of JPEGs and an lmdb of WebP (LSUN's encoding), same ``n`` images."""
    rng = np.random.default_rng(seed)
    folder, db = root / "photos", root / "bedroom_train_lmdb"
    folder.mkdir(parents=True)
    env = lmdb.open(str(db), map_size=1 << 31)
    with env.begin(write=True) as txn:
        for i in range(n):
            img = photo_like(rng)
            img.save(folder / f"{i:06d}.jpg", quality=75)
            buf = io.BytesIO()
            img.save(buf, format="WEBP", quality=80)
            txn.put(f"{i:040x}".encode(), buf.getvalue())
    env.close()
    return folder, db


def measure_loader(dataset, batch_size: int, workers: int, seconds: float, max_batches: int) -> dict:
    stream = BatchStream(dataset, batch_size, seed=0, num_workers=workers)
    batches = stream.batches(0)
    t0 = time.perf_counter()
    _, images, _ = next(batches)
    first = time.perf_counter() - t0
    n, t1 = 0, time.perf_counter()
    for k, (_, images, _) in enumerate(batches):
        n += images.shape[0]
        if time.perf_counter() - t1 >= seconds or k + 1 >= max_batches:
            break
    elapsed = time.perf_counter() - t1
    return {"images_per_s": n / elapsed if elapsed > 0 else float("nan"), "first_batch_s": first, "images": n,
            "batches_per_epoch": stream.batches_per_epoch}


def measure_trainer(resolution: int, channels: int, batch_size: int, device_name: str, precision: str,
                    steps: int, width: int) -> dict:
    cfg = resolve_config({}, {"model.resolution": resolution, "model.channels": channels, "model.g_width": width,
                              "model.d_width": width, "train.batch_size": batch_size})
    device = resolve_device(device_name)
    prec = resolve_precision(precision, device)
    G, D = build_models(cfg.model, seed=0)
    G.to(device)
    D.to(device)
    kw = {"betas": (0.5, 0.999), "fused": True} if device.type == "cuda" else {"betas": (0.5, 0.999), "foreach": True}
    step = GANStep(G, D, torch.optim.Adam(G.parameters(), lr=2e-4, **kw), torch.optim.Adam(D.parameters(), lr=2e-4, **kw),
                   prec)
    real_u8 = torch.randint(0, 256, (batch_size, channels, resolution, resolution), dtype=torch.uint8)
    rng = torch.Generator().manual_seed(0)

    def one():
        real = to_model_range(real_u8.to(device, non_blocking=True))
        z = sample_z(batch_size, cfg.model.z_dim, cfg.model.z_dist, rng).to(device)
        return step([real], [z])

    for _ in range(2):  # warm-up (cuDNN autotuning, allocator)
        one()
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        stats = one()
    float(stats.loss_d)  # host-device sync
    elapsed = time.perf_counter() - t0
    return {"images_per_s": steps * batch_size / elapsed, "device": str(device), "precision": prec.name,
            "steps": steps, "batch_size": batch_size, "width": width}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--resolution", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--workers", default="0,2", help="comma-separated data.num_workers values for streamed loaders")
    p.add_argument("--seconds", type=float, default=6.0, help="steady-state time per loader measurement")
    p.add_argument("--max-batches", type=int, default=200)
    p.add_argument("--files", type=int, default=400, help="synthetic images for the folder/lmdb loaders")
    p.add_argument("--shared", default=str(REPO.parent / "shared" / "datasets"), help="folder with cifar10-jpg.zip etc.")
    p.add_argument("--device", default="auto")
    p.add_argument("--precision", default="fp32")
    p.add_argument("--trainer-steps", type=int, default=4)
    p.add_argument("--width", type=int, default=64, help="G/D base width of the trainer measurement (pytorch preset: 64)")
    p.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: torch's default); on a "
                   "shared, oversubscribed CPU, 1 avoids thread-contention stalls of 10-1000x on small ops")
    p.add_argument("--out", default=str(REPO / "results" / "data_loading.json"))
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    res, ch, bs = args.resolution, 3, args.batch_size
    workers = [int(w) for w in args.workers.split(",") if w.strip()]
    warnings.simplefilter("ignore")  # no corrupt files here; keep the table readable

    rows = []
    print(f"trainer: GANStep at {res}x{res}x{ch}, batch {bs} ...", file=sys.stderr)
    trainer = measure_trainer(res, ch, bs, args.device, args.precision, args.trainer_steps, args.width)
    print(f"  {trainer['images_per_s']:.0f} images/s on {trainer['device']}", file=sys.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        photos, db = make_synthetic(tmp, args.files)
        print(f"made {args.files} synthetic 342x256 images in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        shared = Path(args.shared)
        sources = [("fashion-mnist (IDX, in memory)", "fashion-mnist", "", "train")]
        for label, name in (("cifar10 zip (in memory)", "cifar10-jpg.zip"), ("celeba-10k zip (in memory)", "celeba-10k.zip")):
            if (shared / name).is_file():
                sources.append((label, str(shared / name), "", "train"))
        sources += [("folder of JPEGs (streamed)", str(photos), "", "train"), ("LSUN-style lmdb, WebP (streamed)", str(db), "", "train")]
        pack = tmp / "pack.npz"
        t0 = time.perf_counter()
        prepare_pack(str(db), pack, resolution=res, channels=ch, progress=False)
        pack_s = time.perf_counter() - t0
        sources.append(("prepared pack of the lmdb (memory-mapped)", str(pack), "", "train"))

        for label, name, path, split in sources:
            t0 = time.perf_counter()
            try:
                ds = open_dataset(name, resolution=res, channels=ch, split=split, path=path)
            except Exception as exc:  # noqa: BLE001 - a missing optional dataset is reported, not fatal
                print(f"  skip {label}: {exc}", file=sys.stderr)
                continue
            open_s = time.perf_counter() - t0
            streamed = not hasattr(ds, "images")
            for w in workers if streamed else [0]:
                m = measure_loader(ds, bs, w, args.seconds, args.max_batches)
                row = {"loader": label, "count": len(ds), "open_s": open_s, "num_workers": w, **m,
                       "ratio_to_trainer": m["images_per_s"] / trainer["images_per_s"]}
                if "pack" in label:
                    row["prepare_s"] = pack_s
                rows.append(row)
                print(f"  {label} workers={w}: {m['images_per_s']:.0f} images/s", file=sys.stderr)

    result = {
        "resolution": res, "channels": ch, "batch_size": bs, "trainer": trainer, "loaders": rows,
        "machine": {"cpus": os.cpu_count(), "torch": torch.__version__, "python": platform.python_version(),
                    "torch_threads": torch.get_num_threads()},
        "command": "python benchmarks/data_loading.py " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))

    print(f"\nData loading at {res}x{res}x{ch}, batch {bs}; trainer {trainer['images_per_s']:.0f} images/s "
          f"({trainer['device']}, {trainer['precision']}, width {trainer['width']})")
    print(f"{'loader':44s} {'N':>6s} {'workers':>7s} {'open s':>7s} {'1st batch s':>11s} {'images/s':>9s} {'x trainer':>9s}")
    for r in rows:
        print(f"{r['loader']:44s} {r['count']:6d} {r['num_workers']:7d} {r['open_s']:7.1f} {r['first_batch_s']:11.2f} "
              f"{r['images_per_s']:9.0f} {r['ratio_to_trainer']:9.1f}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
