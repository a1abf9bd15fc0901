"""``dcgan train``: resolve the config, then ``training.loop.train``."""

from __future__ import annotations

import os
import sys

from dcgan import DcganError
from dcgan.config import parse_overrides, read_config_file, resolve_config, resume_config


def add_parser(sub):
    p = sub.add_parser("train", help="train a DCGAN (paper §3-4)", description="Train a DCGAN. "
                       "Config: defaults -> --preset -> --config FILE -> --set key=value.")
    p.add_argument("--config", help="YAML or JSON file of config sections (model/data/train)")
    p.add_argument("--preset", choices=["paper", "pytorch"], help="architecture preset (default: pytorch)")
    from dcgan.models.registry import ARCHITECTURES

    p.add_argument("--arch", choices=sorted(ARCHITECTURES),
                   help="network family, same as --set model.arch=NAME (default dcgan, the paper's; models/registry.py)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override one config value, e.g. --set train.epochs=2 (repeatable)")
    p.add_argument("--allow-inexact-resume", action="store_true",
                   help="with --resume: allow changes (batch size, seed, learning rates, data ...) that break exact continuation")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR from its latest checkpoint")
    p.add_argument("--dry-run", action="store_true",
                   help="check what the run checks, print the config, device and precision (with why); write nothing")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (logs still go to metrics.jsonl)")
    return p


def resolve(args):
    from dcgan.core.checkpoint import checkpoint_config, load_checkpoint

    overrides = parse_overrides(args.overrides)
    if args.preset:
        overrides["preset"] = args.preset
    if args.arch:
        overrides["model.arch"] = args.arch
    if args.resume:
        saved = checkpoint_config(load_checkpoint(args.resume))
        try:
            return resume_config(saved, overrides, allow_inexact=args.allow_inexact_resume)
        except DcganError as exc:
            raise DcganError(f"--resume {args.resume}: {exc}") from None
    file_values = read_config_file(args.config) if args.config else {}
    return resolve_config(file_values, overrides)


def run(args) -> int:
    cfg = resolve(args)
    if args.dry_run:
        from dcgan.training.loop import preflight

        # the same checks the run makes before its first step (data, networks, run directory)
        check = preflight(cfg, resume_dir=args.resume)
        print(check.config.to_json())
        print(f"device: {check.device}\nprecision: {check.precision.reason}\ndata: {check.dataset}\n"
              + (f"{check.channels_note}\n" if check.channels_note else "")
              + f"length: {check.length.describe()} ({check.batches_per_epoch} batches/epoch)\n"
              f"run directory: {check.run_dir}", file=sys.stderr)
        return 0
    from dcgan.core.layout import LATEST, METRICS_FILE, SAMPLES_DIR
    from dcgan.training.loop import train

    result = train(cfg, resume_dir=args.resume, progress=not args.no_progress)
    if os.environ.get("RANK", "0") != "0":  # under torchrun only rank 0 reports
        return 130 if result.interrupted else 0
    print(f"run directory: {result.run_dir}", file=sys.stderr)
    print(f"  checkpoint:  {result.run_dir / LATEST}", file=sys.stderr)
    print(f"  samples:     {result.run_dir / SAMPLES_DIR}", file=sys.stderr)
    print(f"  metrics:     {result.run_dir / METRICS_FILE}", file=sys.stderr)
    return 130 if result.interrupted else 0
