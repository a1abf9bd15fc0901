"""``dcgan dedup DATA --out DIR``: near-duplicate removal by semantic hashing (paper §4.1.1)."""

from __future__ import annotations

import sys

from dcgan.cli.options import count, nonnegative, positive_float


def add_parser(sub):
    p = sub.add_parser(
        "dedup", help="find and drop near-duplicates by semantic hashing (paper §4.1.1)",
        description="Fit a 3072-128-3072 denoising dropout autoencoder on 32x32 centre crops (or --load one), "
        "binarise its 128 ReLU codes into a hash and group colliding images. Writes DIR/kept.txt (train on it "
        "with --set data.keep_list=DIR/kept.txt), groups.json, counts.json, groups.png, autoencoder.pt.")
    p.add_argument("data", metavar="DATA", help="dataset name (e.g. fashion-mnist) or path")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument("--split", default="train", help="dataset split (default train)")
    p.add_argument("--path", default="", help="where a named dataset's files are (default: its usual place)")
    p.add_argument("--hamming", type=int, default=0, choices=[0, 1, 2],
                   help="also group codes within this Hamming radius (multi-index hashing; default 0: exact)")
    p.add_argument("--epochs", type=count, default=10, help="autoencoder epochs (default 10)")
    p.add_argument("--batch-size", type=count, default=256, help="autoencoder batch size (default 256)")
    p.add_argument("--lr", type=positive_float, default=1e-3, help="Adam learning rate (default 1e-3)")
    p.add_argument("--seed", type=nonnegative, default=0, help="seed of initialisation, order, corruption, dropout")
    p.add_argument("--fit-images", type=nonnegative, default=0, help="fit on a seeded sample of this many images (0: all)")
    p.add_argument("--threshold", choices=["median", "zero"], default="median",
                   help="bit = code > per-unit max(median, 0) (default) or code > 0")
    p.add_argument("--load", metavar="AE", default="", help="reuse a fitted autoencoder.pt instead of fitting")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--hash-batch-size", type=count, default=1024)
    return p


def run(args) -> int:
    from dcgan.dedup.pipeline import DedupOptions, run_dedup

    opts = DedupOptions(
        data=args.data, out=args.out, split=args.split, path=args.path, hamming=args.hamming, epochs=args.epochs,
        batch_size=args.batch_size, lr=args.lr, seed=args.seed, fit_images=args.fit_images,
        threshold=args.threshold, load=args.load, device=args.device, hash_batch_size=args.hash_batch_size,
    )
    run_dedup(opts, log=lambda line: print(line, file=sys.stderr))
    print(f"kept list: {args.out}/kept.txt  (train on it: dcgan train --set data.keep_list={args.out}/kept.txt)",
          file=sys.stderr)
    return 0
