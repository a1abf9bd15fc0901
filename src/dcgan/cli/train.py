"""``dcgan train``: resolve the config, then ``training.loop.train``."""

from __future__ import annotations

import copy
import os
import sys

from dcgan import DcganError
from dcgan.config import flatten, parse_overrides, read_config_file, resolve_config, resume_changes, set_value, validate


def add_parser(sub):
    p = sub.add_parser("train", help="train a DCGAN (paper §3-4)", description="Train a DCGAN. "
                       "Config: defaults -> --preset -> --config FILE -> --set key=value.")
    p.add_argument("--config", help="YAML or JSON file of config sections (model/data/train)")
    p.add_argument("--preset", choices=["paper", "pytorch"], help="architecture preset (default: pytorch)")
    p.add_argument("--arch", help="network family, same as --set model.arch=NAME: dcgan (the paper's, default) or "
                   "upconv (the Keras MNIST tutorial's upsample+conv model, 28 px)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override one config value, e.g. --set train.epochs=2 (repeatable)")
    p.add_argument("--allow-inexact-resume", action="store_true",
                   help="with --resume: allow changes (batch size, seed, learning rates, data ...) that break exact continuation")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR from its latest checkpoint")
    p.add_argument("--dry-run", action="store_true", help="print the resolved config and exit")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (logs still go to metrics.jsonl)")
    return p


def resolve(args):
    overrides = parse_overrides(args.overrides)
    if args.preset:
        overrides["preset"] = args.preset
    if args.arch:
        overrides["model.arch"] = args.arch
    if args.resume:
        from dcgan.core.checkpoint import checkpoint_config, load_checkpoint

        saved = checkpoint_config(load_checkpoint(args.resume))
        cfg = copy.deepcopy(saved)
        for key, value in overrides.items():  # e.g. more epochs for a finished run
            set_value(cfg, key, value)
        validate(cfg)
        impossible, inexact = resume_changes(saved, cfg)
        flat_old, flat_new = flatten(saved.to_dict()), flatten(cfg.to_dict())
        if impossible:
            k = impossible[0]
            raise DcganError(f"--resume {args.resume}: cannot change {k} ({flat_old[k]} -> {flat_new[k]}): the saved networks "
                             "were built with the old value; start a new run instead")
        if inexact and not args.allow_inexact_resume:
            k = inexact[0]
            raise DcganError(f"--resume {args.resume}: changing {k} ({flat_old[k]} -> {flat_new[k]}) breaks exact resume "
                             "(the saved data cursor, RNG and optimizer states assume the old value); "
                             "pass --allow-inexact-resume to do it anyway")
        return cfg
    file_values = read_config_file(args.config) if args.config else {}
    return resolve_config(file_values, overrides)


def run(args) -> int:
    cfg = resolve(args)
    if args.dry_run:
        print(cfg.to_json())
        return 0
    from dcgan.training.loop import train

    result = train(cfg, resume_dir=args.resume, progress=not args.no_progress)
    if os.environ.get("RANK", "0") != "0":  # under torchrun only rank 0 reports
        return 130 if result.interrupted else 0
    print(f"run directory: {result.run_dir}", file=sys.stderr)
    print(f"  checkpoint:  {result.run_dir / 'checkpoints' / 'latest.pt'}", file=sys.stderr)
    print(f"  samples:     {result.run_dir / 'samples'}", file=sys.stderr)
    print(f"  metrics:     {result.run_dir / 'metrics.jsonl'}", file=sys.stderr)
    return 130 if result.interrupted else 0
