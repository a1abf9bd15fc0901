"""``dcgan sample``: images from a checkpoint alone, as ``.npz`` (uint8 NHWC, ``arr_0``) and/or a grid."""

from __future__ import annotations

import sys

from dcgan import DcganError
from dcgan.cli.options import count, nonnegative


def add_parser(sub):
    p = sub.add_parser("sample", help="generate images from a checkpoint")
    p.add_argument("--checkpoint", required=True, help="checkpoint file or run directory")
    p.add_argument("--n", type=count, default=64, help="number of images (default 64)")
    p.add_argument("--seed", type=nonnegative, default=0, help="noise seed (same seed, same images)")
    p.add_argument("--z", dest="z_file", metavar="FILE.npy",
                   help="render these latent vectors (float32 (N, z_dim), in order) instead of drawing --n from --seed; "
                   "with --bn batch the whole file is one BatchNorm batch, as the authors sampled")
    p.add_argument("--out", help="write uint8 NHWC images to this .npz under key arr_0")
    p.add_argument("--grid", help="write a grid PNG of (up to 256 of) the images")
    p.add_argument("--bn", choices=["running", "batch"], default="running",
                   help="BatchNorm statistics: running averages (default; each image depends only on its z) "
                   "or per-batch (the authors' code)")
    p.add_argument("--batch-size", type=count, default=256, help="images a forward pass (with --z and --bn batch: the whole file)")
    p.add_argument("--device", default="auto")
    p.add_argument("--no-ema", action="store_true", help="use the raw generator even if the checkpoint has an EMA copy")
    p.add_argument("--class", dest="class_index", type=nonnegative, help="class-conditional checkpoints: draw only this class")
    p.add_argument("--per-class", type=nonnegative, default=0, metavar="N",
                   help="class-conditional checkpoints: N images of every class, one class per grid row (replaces --n)")
    return p


def read_z(path: str, z_dim: int):
    """A ``.npy`` of latent vectors -> float32 tensor (N, z_dim); never unpickles."""
    import numpy as np
    import torch

    try:
        z = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise DcganError(f"--z '{path}' does not exist") from None
    except Exception as exc:  # noqa: BLE001 - a pickle, a truncated file, not .npy at all
        raise DcganError(f"--z '{path}' is not a plain .npy array: {str(exc).splitlines()[0][:160]}") from None
    if not isinstance(z, np.ndarray):  # np.load opens a zip (an .npz) as an archive, not an array
        raise DcganError(f"--z '{path}' is an archive (.npz or zip), not a plain .npy array (np.save)")
    if z.dtype.kind != "f" or z.ndim != 2 or z.shape[1] != z_dim or len(z) == 0:
        raise DcganError(f"--z '{path}' holds {z.dtype} {z.shape}; the checkpoint needs float (N, {z_dim}) with N >= 1")
    if not np.isfinite(z).all():
        raise DcganError(f"--z '{path}' holds NaN or infinite values")
    return torch.from_numpy(np.ascontiguousarray(z, dtype=np.float32))


def run(args) -> int:
    if args.n < 1:
        raise DcganError(f"--n must be >= 1, got {args.n}")
    if not args.out and not args.grid:
        raise DcganError("give --out FILE.npz and/or --grid FILE.png")
    if args.z_file and args.per_class:
        raise DcganError("--z and --per-class both choose the images; give one of them")
    if args.out and not args.out.endswith(".npz"):
        raise DcganError(f"--out '{args.out}' must end in .npz")
    from dcgan.core.device import resolve_device
    from dcgan.core.run import load_generator
    from dcgan.images import save_grid
    from dcgan.models.conditional import sampling_labels
    from dcgan.sampling import class_labels, generate, save_npz, seeded_z

    generator, cfg = load_generator(args.checkpoint, resolve_device(args.device), use_ema=not args.no_ema)
    try:
        labels = sampling_labels(cfg.model.num_classes, args.n, args.class_index, args.per_class)
    except ValueError as exc:
        raise DcganError(f"--class/--per-class with '{args.checkpoint}': {exc}") from None
    if args.z_file:
        z = read_z(args.z_file, cfg.model.z_dim)
        n = len(z)
        if labels is not None:
            labels = sampling_labels(cfg.model.num_classes, n, args.class_index, 0)
        batch_size = n if args.bn == "batch" else args.batch_size
    else:
        n = args.n if labels is None else len(labels)
        z = seeded_z(args.seed, n, cfg.model.z_dim, cfg.model.z_dist)
        batch_size = args.batch_size
    if labels is None:  # neither --class nor --per-class: the one label policy (None if unconditional)
        labels = class_labels(n, cfg.model.num_classes)
    images = generate(generator, z, batch_size=batch_size, bn=args.bn, labels=labels)
    if args.out:
        print(f"wrote {save_npz(images, args.out)} ({n} images, uint8 NHWC, key arr_0)", file=sys.stderr)
    if args.grid:
        shown = images[: max(256, len(images) if args.per_class > 0 else 0)]
        nrow = {"nrow": args.per_class} if args.per_class > 0 and args.class_index is None else {}
        print(f"wrote {save_grid(shown, args.grid, scale=2 if cfg.model.resolution <= 32 else 1, **nrow)}", file=sys.stderr)
    return 0
