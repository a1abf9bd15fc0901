"""``dcgan sample``: images from a checkpoint alone, as ``.npz`` (uint8 NHWC, ``arr_0``) and/or a grid."""

from __future__ import annotations

import sys

from dcgan import DcganError


def add_parser(sub):
    p = sub.add_parser("sample", help="generate images from a checkpoint")
    p.add_argument("--checkpoint", required=True, help="checkpoint file or run directory")
    p.add_argument("--n", type=int, default=64, help="number of images (default 64)")
    p.add_argument("--seed", type=int, default=0, help="noise seed (same seed, same images)")
    p.add_argument("--out", help="write uint8 NHWC images to this .npz under key arr_0")
    p.add_argument("--grid", help="write a grid PNG of (up to 256 of) the images")
    p.add_argument("--bn", choices=["running", "batch"], default="running",
                   help="BatchNorm statistics: running averages (default; each image depends only on its z) "
                   "or per-batch (the authors' code)")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--device", default="auto")
    p.add_argument("--no-ema", action="store_true", help="use the raw generator even if the checkpoint has an EMA copy")
    p.add_argument("--class", dest="class_index", type=int, help="class-conditional checkpoints: draw only this class")
    p.add_argument("--per-class", type=int, default=0, metavar="N",
                   help="class-conditional checkpoints: N images of every class, one class per grid row (replaces --n)")
    return p


def run(args) -> int:
    if args.n < 1:
        raise DcganError(f"--n must be >= 1, got {args.n}")
    if not args.out and not args.grid:
        raise DcganError("give --out FILE.npz and/or --grid FILE.png")
    if args.out and not args.out.endswith(".npz"):
        raise DcganError(f"--out '{args.out}' must end in .npz")
    from dcgan.images import save_grid
    from dcgan.models.conditional import sampling_labels
    from dcgan.sampling import generate, save_npz, seeded_z
    from dcgan.training.checkpoint import load_generator
    from dcgan.training.runtime import resolve_device

    generator, cfg = load_generator(args.checkpoint, resolve_device(args.device), use_ema=not args.no_ema)
    try:
        labels = sampling_labels(cfg.model.num_classes, args.n, args.class_index, args.per_class)
    except ValueError as exc:
        raise DcganError(f"--class/--per-class with '{args.checkpoint}': {exc}") from None
    n = args.n if labels is None else len(labels)
    z = seeded_z(args.seed, n, cfg.model.z_dim, cfg.model.z_dist)
    images = generate(generator, z, batch_size=args.batch_size, bn=args.bn, labels=labels)
    if args.out:
        print(f"wrote {save_npz(images, args.out)} ({n} images, uint8 NHWC, key arr_0)", file=sys.stderr)
    if args.grid:
        shown = images[: max(256, len(images) if args.per_class > 0 else 0)]
        nrow = {"nrow": args.per_class} if args.per_class > 0 and args.class_index is None else {}
        print(f"wrote {save_grid(shown, args.grid, scale=2 if cfg.model.resolution <= 32 else 1, **nrow)}", file=sys.stderr)
    return 0
