"""``dcgan import <format> DIR --out CKPT``: bring a model trained elsewhere in as a dcgan checkpoint.

    authors   the authors' released Theano models (Newmu/dcgan_code ``models/``): *_params.jl_NN.npy

The result is an ordinary checkpoint: ``dcgan sample``, ``evaluate``, ``explore``, ``classify`` and
``report`` take it like any run's. ``--out`` ending in ``.pt`` is the checkpoint file; anything
else is a run directory (``DIR/checkpoints/latest.pt`` and ``DIR/config.json``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dcgan import DcganError
from dcgan.cli.options import count

FORMATS = {"authors": "the authors' released Theano model folder (*_gen_params.jl_NN.npy, *_discrim_params.jl_NN.npy)"}


def add_parser(sub):
    p = sub.add_parser("import", help="import a model trained elsewhere (the authors' released models) as a checkpoint",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("format", choices=sorted(FORMATS), help="; ".join(f"{k}: {v}" for k, v in FORMATS.items()))
    p.add_argument("source", help="the model folder")
    p.add_argument("--out", required=True, help="checkpoint file (*.pt) or run directory to write")
    p.add_argument("--stats-images", type=count, default=2048,
                   help="z draws the BatchNorm running statistics (for --bn running) are averaged over (default 2048)")
    return p


def run(args) -> int:
    from dcgan.core.checkpoint import save_checkpoint
    from dcgan.core.layout import CONFIG_FILE, LATEST
    from dcgan.interop.authors import import_released

    out = Path(args.out)
    if out.suffix == ".pt":
        checkpoint, run_dir = out, None
    else:
        if out.exists() and not out.is_dir():
            raise DcganError(f"--out '{out}' exists and is not a folder (give a *.pt file or a run directory)")
        checkpoint, run_dir = out / LATEST, out
    state = import_released(args.source, args.stats_images)
    try:
        save_checkpoint(state, checkpoint)
        if run_dir is not None:
            (run_dir / CONFIG_FILE).write_text(json.dumps(state["config"], indent=2))
    except OSError as exc:
        raise DcganError(f"--out '{out}' could not be written: {exc.strerror or exc}") from None
    m = state["config"]["model"]
    print(f"imported {state['imported']['name']} (epoch {state['epoch']}): arch {m['arch']}, {m['resolution']} px, "
          f"{m['channels']} channels, z {m['z_dim']}-d {m['z_dist']}, kernel {m['kernel_size']}, "
          f"G width {m['g_width']}, D width {m['d_width']}, projection BatchNorm per {m['project_bn']}", file=sys.stderr)
    print(f"wrote {checkpoint}", file=sys.stderr)
    return 0
