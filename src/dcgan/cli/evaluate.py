"""``dcgan evaluate``: sample-quality metrics of a checkpoint or a ``.npz`` of samples against real data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from dcgan import DcganError
from dcgan.atomic import write_text_atomic
from dcgan.cli.options import count, nonnegative


def add_parser(sub):
    p = sub.add_parser(
        "evaluate", help="Fréchet distance, KID, precision/recall, density/coverage, nearest-neighbour distance",
        description="Metrics of generated images against a real reference set, in a named feature space. "
        "Reference features are cached (see --cache-dir).",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", help="checkpoint file or run directory: draws --n samples (seed --seed)")
    src.add_argument("--samples", help=".npz of uint8 images under arr_0 (NHWC), as `dcgan sample --out`")
    p.add_argument("--reference", help="dataset name or path (default: the checkpoint's training data, else fashion-mnist)")
    p.add_argument("--reference-path", default="", help="where a named reference dataset lives (default: its default)")
    p.add_argument("--split", help="reference split (default: test if the data has one, else train)")
    p.add_argument("--n", type=count, default=10000, help="samples to draw from a checkpoint (default 10000)")
    p.add_argument("--n-reference", type=nonnegative, default=10000,
                   help="reference images (default 10000; a seeded subset when the split is larger; 0 = all)")
    from dcgan.evaluation.features import FEATURE_SPACES

    p.add_argument("--features", default="auto", choices=["auto", *FEATURE_SPACES],
                   help="feature space (auto: fashion-cnn for grey images; for colour, inception where its weights are "
                   "on disk, else tiny-imagenet-cnn, which works offline; evaluation/features)")
    p.add_argument("--feature-weights", help="weights for --features tiny-imagenet-cnn (another file) or face-judge "
                   "(its judge.pt)")
    p.add_argument("--inception-weights", help="pytorch-fid's pt_inception-2015-12-05-6726825d.pth "
                   "(or $DCGAN_INCEPTION_WEIGHTS; default: the torch hub cache's copy, $TORCH_HOME/hub/checkpoints, "
                   "downloaded there once from pytorch-fid's release unless $DCGAN_OFFLINE=1)")
    p.add_argument("--classifier-weights", help="another fashion-cnn weights file (default: the packaged one)")
    p.add_argument("--metrics", default="fid,kid,prdc,nnd", help="comma-separated (default fid,kid,prdc,nnd)")
    p.add_argument("--seed", type=nonnegative, default=0, help="noise seed, KID subsets and reference subset (default 0)")
    p.add_argument("--bn", choices=["running", "batch"], default="running", help="BatchNorm mode when sampling")
    p.add_argument("--neighbours", metavar="PNG", help="also write samples beside their nearest training images")
    p.add_argument("--neighbours-pool", type=nonnegative, default=0, help="train images searched for --neighbours (0 = all)")
    p.add_argument("--cache-dir", help="reference-feature cache (default $DCGAN_CACHE_DIR or ~/.cache/dcgan/reference)")
    p.add_argument("--device", default="auto")
    p.add_argument("--out", help="write the result JSON here (default: print only)")
    return p


def run(args) -> int:
    from dcgan.core.device import resolve_device
    from dcgan.evaluation.evaluate import evaluate_samples, generate_from_checkpoint, load_npz_images
    from dcgan.evaluation.features import default_feature_space
    from dcgan.evaluation.metrics import METRICS

    if args.n < 10:
        raise DcganError(f"--n must be >= 10, got {args.n}")
    metrics = tuple(m.strip() for m in args.metrics.split(",") if m.strip())
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise DcganError(f"--metrics: unknown {unknown}; known: {sorted(METRICS)}")
    device = str(resolve_device(args.device))
    reference, reference_path, source = args.reference, args.reference_path, {}
    if args.checkpoint:
        samples, cfg = generate_from_checkpoint(args.checkpoint, args.n, args.seed, device, args.bn)
        if reference is None:
            reference, reference_path = cfg.data.name, reference_path or cfg.data.path
        source = {"checkpoint": str(args.checkpoint), "noise_seed": args.seed, "bn": args.bn}
    else:
        samples = load_npz_images(args.samples)
        source = {"file": str(args.samples)}
    space = default_feature_space(samples.shape[1]) if args.features == "auto" else args.features
    weights = {"inception": args.inception_weights, "fashion-cnn": args.classifier_weights}.get(space) or args.feature_weights
    result = evaluate_samples(
        samples, reference=reference or "fashion-mnist", reference_path=reference_path, split=args.split,
        n_reference=args.n_reference, features=space, feature_weights=weights, device=device,
        metrics=metrics, seed=args.seed, cache_dir=args.cache_dir, neighbours_png=args.neighbours,
        neighbours_pool=args.neighbours_pool,
    )
    result["samples"].update(source)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(Path(args.out), text + "\n")
        print(f"wrote {args.out}", file=sys.stderr)
    return 0
