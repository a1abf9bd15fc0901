"""``dcgan serve RUN [--port N] [--host H]``: the latent-space explorer (paper §6) in a browser.

A numbered sample sheet to click exemplars on, vector arithmetic A - B + C with its ±0.25
neighbours beside the same sum in pixels, a walk between two samples (linear and spherical) and
a "turn" axis on sliders; "save" writes what is shown into RUN/experiments/ as ``dcgan explore``
would. Standard library HTTP server, no network needed. Parsing only: see ``dcgan.serve``.
"""

from __future__ import annotations

import argparse

from dcgan.cli.options import port

DEFAULT_PORT = 8619
HELP = """The latent-space explorer (paper §6) in a browser: a numbered sample sheet to click
exemplars on, vector arithmetic A - B + C with its ±0.25 neighbours beside the same sum in pixels,
a walk between two samples (linear and spherical) and a "turn" axis on sliders; "save" writes what
is shown into RUN/experiments/ as `dcgan explore` would. A run directory means its best snapshot
when it kept one. Standard-library HTTP server, no network needed; open the address it prints."""


def add_parser(sub):
    p = sub.add_parser("serve", help="latent-space explorer in the browser (sheet, arithmetic, walks, axes)",
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", metavar="RUN", help="run directory or checkpoint file")
    p.add_argument("--port", type=port, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0 opens it to the network)")
    p.add_argument("--device", default="auto", help="auto (cuda, then cpu), cpu, cuda ...")
    p.add_argument("--no-ema", action="store_true", help="use the raw generator even if the checkpoint has an EMA copy")
    return p


def run(args) -> int:
    from dcgan.core.device import resolve_device
    from dcgan.serve.server import serve_forever

    serve_forever(args.run_dir, args.host, args.port, resolve_device(args.device), use_ema=not args.no_ema)
    return 0
