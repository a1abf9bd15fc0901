"""``dcgan classify``: the paper's §5 table (discriminator features + L2-SVM, with baselines)."""

from __future__ import annotations

import sys

from dcgan import DcganError
from dcgan.cli.options import count, nonnegative


def add_parser(sub):
    p = sub.add_parser("classify", help="§5: classify a labelled dataset with D's features and baselines",
                       description="Discriminator features (every conv layer max-pooled to 4x4, BatchNorm population "
                       "statistics) + linear L2-SVM, C chosen on a validation split of the training set, against "
                       "raw pixels, random filters, K-means and a supervised CNN. Writes table.md and table.json.")
    p.add_argument("--checkpoint", required=True, help="checkpoint file or run directory")
    p.add_argument("--data", default="fashion-mnist", help="dataset name or path (default fashion-mnist); converted "
                   "to the checkpoint's resolution and channels, so a DCGAN trained elsewhere transfers")
    p.add_argument("--data-path", default="", help="where the named dataset's files are (default: its usual place)")
    p.add_argument("--labels-per-class", type=nonnegative, default=400, help="few-label column: N labels per class "
                   "(default 400, the paper's CIFAR-10 setting; 0 skips it)")
    p.add_argument("--draws", type=count, default=10, help="random few-label draws R (default 10)")
    p.add_argument("--methods", default="dcgan,random,pixels,kmeans,cnn",
                   help="comma-separated subset of dcgan,random,pixels,kmeans,cnn")
    p.add_argument("--no-full", action="store_true", help="skip the all-labels column")
    p.add_argument("--c-grid", default="", help="comma-separated C values (default 1e-6,1e-5,...,1e-1; "
                   "a C chosen at an edge is flagged in the table)")
    p.add_argument("--solver", choices=["lbfgs", "liblinear"], default="lbfgs",
                   help="SVM solver for the same objective: float32 L-BFGS (default) or scikit-learn's LinearSVC")
    p.add_argument("--no-standardize", action="store_true", help="fit the SVM on raw (not standardised) features")
    p.add_argument("--kmeans-k", type=count, default=1600, help="K-means centroids (default 1600: 6400 features)")
    p.add_argument("--kmeans-patches", type=count, default=400_000, help="random patches K-means is fitted on "
                   "(default 400,000, as Coates & Ng's code)")
    p.add_argument("--kmeans-iterations", type=count, default=50, help="Lloyd iterations of K-means (default 50, as "
                   "Coates & Ng's code; 100,000 patches and 10 iterations gave 71.9%% on CIFAR-10, these 73.1%%)")
    p.add_argument("--cnn-steps", type=count, default=1000, help="max training steps (batch 64) of the supervised CNN")
    p.add_argument("--cnn-draws", type=count, default=3, help="few-label draws for the CNN (the first of the same draws; "
                   "default 3, as each is a CNN training run)")
    p.add_argument("--bn-images", type=nonnegative, default=0, help="training images D's BatchNorm population statistics "
                   "are averaged over (default 0: all; a few thousand give the same statistics for a wide D at a "
                   "fraction of the cost)")
    p.add_argument("--max-train", type=nonnegative, default=0, help="use a random subset of this many training images")
    p.add_argument("--max-test", type=nonnegative, default=0, help="use a random subset of this many test images")
    p.add_argument("--feature-cache", default="", metavar="DIR", help="keep extracted features in DIR and reuse "
                   "them when the checkpoint, data and settings are the same (a stopped run resumes after extraction)")
    p.add_argument("--seed", type=nonnegative, default=0)
    p.add_argument("--device", default="auto")
    p.add_argument("--out", help="output folder (default RUN_DIR/classify for a run directory, "
                   "else next to the checkpoint's run)")
    return p


def run(args) -> int:
    from dcgan.core.layout import CLASSIFY_DIR, output_dir
    from dcgan.evaluation.classify.experiment import ClassifySettings, run_classification
    from dcgan.evaluation.classify.protocol import DEFAULT_C_GRID
    from dcgan.evaluation.classify.table import markdown

    try:
        grid = tuple(float(c) for c in args.c_grid.split(",")) if args.c_grid else DEFAULT_C_GRID
    except ValueError:
        raise DcganError(f"--c-grid '{args.c_grid}' must be comma-separated numbers") from None
    if any(c <= 0 for c in grid):
        raise DcganError("--c-grid values must be positive")
    settings = ClassifySettings(
        checkpoint=args.checkpoint, data=args.data, data_path=args.data_path,
        methods=tuple(m.strip() for m in args.methods.split(",") if m.strip()),
        labels_per_class=args.labels_per_class, draws=args.draws, full=not args.no_full, c_grid=grid,
        max_train=args.max_train, max_test=args.max_test, standardize=not args.no_standardize, solver=args.solver,
        kmeans_k=args.kmeans_k, kmeans_patches=args.kmeans_patches, kmeans_iterations=args.kmeans_iterations,
        cnn_max_steps=args.cnn_steps,
        cnn_draws=args.cnn_draws, bn_images=args.bn_images, device=args.device, seed=args.seed,
        feature_cache=args.feature_cache,
    )
    out = output_dir(args.checkpoint, CLASSIFY_DIR, out=args.out)
    rows, meta = run_classification(settings, out, log=lambda msg: print(msg, file=sys.stderr, flush=True))
    print(markdown(rows, meta))
    print(f"wrote {out / 'table.md'} and {out / 'table.json'}", file=sys.stderr)
    return 0
