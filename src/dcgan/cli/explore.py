"""``dcgan explore <experiment>``: the paper's §6 figures from a checkpoint.

    sheet       numbered sample sheet (+ boxes template) to pick exemplars and draw boxes on
    walk        interpolation through random points in z, linear and spherical (Fig. 4)
    arith       vector arithmetic on averaged exemplar z's, 3x3 result, pixel-space comparison (Fig. 7)
    axis        attribute ("turn") axis between two exemplar sets, random samples moved along it (Fig. 8)
    forget      drop the generator feature maps that draw a boxed object (§6.3.1, Fig. 6)
    guided      guided backpropagation of D's strongest last-layer features; trained vs random D (Fig. 5)
    neighbours  generated samples beside their nearest training images, pixel and feature space

Each writes PNGs (and GIFs where motion helps) and ``summary.json`` to ``--out`` (default:
RUN_DIR/experiments/<experiment>/). Parsing only; the work is in ``dcgan.experiments``.
"""

from __future__ import annotations

import argparse
import sys

from dcgan import DcganError
from dcgan.cli.options import count, finite_float, nonnegative, nonnegative_float, positive_float

EXEMPLARS_HELP = "exemplar tokens: INDEX (on the --sheet-seed sheet), SEED:INDEX, seed=SEED, @FILE; comma-separated"


def _common(p: argparse.ArgumentParser, needs_d: bool = False) -> None:
    p.add_argument("--checkpoint", required=True, help="checkpoint file or run directory")
    p.add_argument("--out", help="output folder (default RUN_DIR/experiments/<experiment>/)")
    p.add_argument("--device", default="auto", help="auto (cuda, then cpu), cpu, cuda, cuda:1 ...")
    if not needs_d:
        p.add_argument("--bn", choices=["running", "batch"], default="running",
                       help="G's BatchNorm statistics: running (default; each image depends only on its z) or batch")
    p.add_argument("--no-ema", action="store_true", help="use the raw generator even if the checkpoint has an EMA copy")


def _sheet_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sheet-seed", type=nonnegative, default=0, help="seed of the numbered sheet that plain indices refer to")
    p.add_argument("--sheet-n", type=count, default=64, help="number of samples on that sheet (default 64)")


def _data_options(p: argparse.ArgumentParser, split: str) -> None:
    p.add_argument("--data", default="", help="dataset name or path (default: the checkpoint's training data)")
    p.add_argument("--data-path", default="", help="root of --data when it is a registered name")
    p.add_argument("--split", default=split, help=f"split of the real images (default {split or 'the checkpoint`s'})")


def add_parser(sub):
    p = sub.add_parser("explore", help="§6 experiments: walks, arithmetic, axes, forgetting, guided backprop, neighbours",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    exp = p.add_subparsers(dest="experiment", required=True, metavar="EXPERIMENT")

    s = exp.add_parser("sheet", help="numbered sample sheet and a boxes template")
    _common(s)
    s.add_argument("--seed", type=nonnegative, default=0, help="noise seed (the sheet is `dcgan sample --seed S --n N`)")
    s.add_argument("--n", type=count, default=64, help="number of samples (default 64)")
    s.add_argument("--nrow", type=nonnegative, default=0, help="samples a row (default 8)")
    s.add_argument("--no-template", action="store_true", help="do not write boxes_template.json")

    w = exp.add_parser("walk", help="interpolate through random points in z (Fig. 4)")
    _common(w)
    w.add_argument("--seeds", default="0", help="one walk per seed, e.g. '0,1,5-7' (default 0)")
    w.add_argument("--points", type=count, default=9, help="random points per walk (paper: 9)")
    w.add_argument("--steps", type=count, default=8, help="steps between consecutive points (default 8)")
    w.add_argument("--mode", choices=["linear", "slerp", "both"], default="both")
    w.add_argument("--frame-ms", type=count, default=120, help="GIF frame duration")

    a = exp.add_parser("arith", help="vector arithmetic on averaged exemplar z's (Fig. 7)")
    _common(a)
    a.add_argument("--concept", action="append", required=True, metavar="NAME=TOKENS",
                   help=f"a concept and its exemplars, e.g. A=3,17,42 (repeat per concept); {EXEMPLARS_HELP}")
    a.add_argument("--expr", required=True, help="expression over concept names, e.g. 'A - B + C'")
    _sheet_options(a)
    a.add_argument("--seed", type=nonnegative, default=0, help="seed of the neighbours' uniform noise")
    a.add_argument("--noise", type=nonnegative_float, default=0.25, help="neighbour noise half-width (paper: 0.25)")

    x = exp.add_parser("axis", help="attribute axis mean(A) - mean(B); random samples moved along it (Fig. 8)")
    _common(x)
    x.add_argument("--set-a", required=True, help=f"exemplars of A (axis points towards A); {EXEMPLARS_HELP}")
    x.add_argument("--set-b", required=True, help="exemplars of B")
    _sheet_options(x)
    x.add_argument("--seed", type=nonnegative, default=0, help="seed of the random samples moved along the axis")
    x.add_argument("--n", type=count, default=8, help="random samples (rows)")
    x.add_argument("--steps", type=count, default=9, help="positions along the axis (columns)")
    x.add_argument("--extent", type=positive_float, default=1.0, help="alpha runs from -extent to +extent")

    f = exp.add_parser("forget", help="drop the G feature maps that draw a boxed object (§6.3.1)")
    _common(f)
    f.add_argument("--boxes", required=True, help="boxes JSON (template from `dcgan explore sheet`)")
    f.add_argument("--seed", type=nonnegative, default=1, help="seed of the new samples (and of negative positions)")
    f.add_argument("--n", type=count, default=16, help="new samples drawn with and without the drop")
    f.add_argument("--threshold", type=finite_float, default=0.0, help="drop maps whose weight exceeds this (paper: 0)")
    f.add_argument("--negatives", type=positive_float, default=1.0, help="negative positions per positive")
    f.add_argument("--C", type=positive_float, default=1.0, dest="c", help="inverse L2 strength of the logistic regression")

    g = exp.add_parser("guided", help="guided backprop of D's strongest last-layer features, trained vs random D (Fig. 5)")
    _common(g, needs_d=True)
    _data_options(g, "")
    g.add_argument("--images", type=count, default=2048, help="real images searched for maximal responses")
    g.add_argument("--seed", type=nonnegative, default=0, help="seed choosing the real images")
    g.add_argument("--k", type=count, default=6, help="top channels shown (paper: 6)")
    g.add_argument("--per-channel", type=count, default=4, help="strongest responses shown per channel")
    g.add_argument("--random-seed", type=nonnegative, default=1, help="init seed of the random discriminator")

    n = exp.add_parser("neighbours", help="generated samples beside their nearest training images")
    _common(n)
    _data_options(n, "")
    n.add_argument("--max-train", type=nonnegative, default=0, help="search only this many training images (0: all)")
    n.add_argument("--reference-split", default="test", help="held-out split for the distance baseline ('' to skip)")
    n.add_argument("--reference", type=count, default=256, help="held-out images in the baseline")
    n.add_argument("--seed", type=nonnegative, default=0, help="noise seed of the generated samples")
    n.add_argument("--n", type=count, default=8, help="generated samples (rows)")
    n.add_argument("--k", type=count, default=5, help="neighbours shown per sample")
    n.add_argument("--feature-space", default="discriminator",
                   help="'discriminator' (the checkpoint's D, §5 pooling; default) or an evaluation feature space "
                   "(fashion-cnn, inception)")
    return p


def _concepts(specs: list[str], nets, args):
    from dcgan.experiments.sheets import expand_tokens, resolve_z

    concepts, labels = {}, {}
    for spec in specs:
        if "=" not in spec:
            raise DcganError(f"--concept expects NAME=TOKENS (e.g. A=3,17,42), got '{spec}'")
        name, tokens = (part.strip() for part in spec.split("=", 1))
        if not name.isidentifier():
            raise DcganError(f"--concept '{spec}': '{name}' is not a valid name")
        concepts[name] = resolve_z([tokens], nets.z_dim, nets.z_dist, args.sheet_seed, args.sheet_n)
        labels[name] = expand_tokens([tokens])
    return concepts, labels


def run(args) -> int:
    from dcgan.core.device import resolve_device
    from dcgan.core.layout import EXPERIMENTS_DIR, output_dir
    from dcgan.core.run import open_run
    from dcgan.experiments.common import parse_seeds, real_images

    name = args.experiment
    needs_d = name in ("guided", "neighbours")
    device = resolve_device(args.device)
    nets = open_run(args.checkpoint, device, discriminator=needs_d, use_ema=not args.no_ema)
    out = output_dir(args.checkpoint, EXPERIMENTS_DIR, name, out=args.out)
    bn = getattr(args, "bn", "running")
    if name == "sheet":
        from dcgan.experiments.sheets import make_sheet

        summary = make_sheet(nets, args.seed, args.n, out, args.nrow or None, not args.no_template, bn)
    elif name == "walk":
        from dcgan.experiments.interpolation import MODES, walk

        modes = list(MODES) if args.mode == "both" else [args.mode]
        summary = walk(nets, parse_seeds(args.seeds), args.points, args.steps, modes, out, bn, args.frame_ms)
    elif name == "arith":
        from dcgan.experiments.arithmetic import arithmetic

        concepts, labels = _concepts(args.concept, nets, args)
        summary = arithmetic(nets, concepts, args.expr, out, args.seed, args.noise, bn, labels)
    elif name == "axis":
        from dcgan.experiments.attribute_axis import axis_experiment
        from dcgan.experiments.sheets import resolve_z

        z_a = resolve_z([args.set_a], nets.z_dim, nets.z_dist, args.sheet_seed, args.sheet_n)
        z_b = resolve_z([args.set_b], nets.z_dim, nets.z_dist, args.sheet_seed, args.sheet_n)
        summary = axis_experiment(nets, z_a, z_b, out, args.seed, args.n, args.steps, args.extent, bn)
    elif name == "forget":
        from dcgan.experiments.forgetting import forget

        summary = forget(nets, args.boxes, out, args.seed, args.n, args.threshold, args.negatives, args.c, bn)
    elif name == "guided":
        from dcgan.evaluation.classify.baselines import random_discriminator
        from dcgan.experiments.guided_backprop import guided_experiment

        images = real_images(nets.config, args.data, args.data_path, args.split, args.images, args.seed)
        random_d = random_discriminator(nets.config.model, args.random_seed, device)
        summary = guided_experiment(nets, random_d, images, out, args.k, args.per_channel, args.random_seed)
    elif name == "neighbours":
        from dcgan.experiments.neighbours import neighbours_experiment

        train_images = real_images(nets.config, args.data, args.data_path, args.split, args.max_train, args.seed)
        reference = None
        if args.reference_split and args.reference > 0:
            try:
                reference = real_images(nets.config, args.data, args.data_path, args.reference_split,
                                        args.reference, args.seed)
            except DcganError as exc:
                print(f"no held-out baseline: {exc}", file=sys.stderr)
        summary = neighbours_experiment(nets, train_images, out, args.seed, args.n, args.k, reference, bn,
                                        args.feature_space)
    else:  # argparse restricts the choices
        raise DcganError(f"unknown experiment '{name}'")
    print(f"wrote {', '.join(summary['files'])} and summary.json to {out}", file=sys.stderr)
    return 0
