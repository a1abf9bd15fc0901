"""``dcgan <command>``: thin entry points. Each command module parses its options, builds a
config or reads files, and calls the library; no logic lives here."""

from __future__ import annotations

import argparse
import importlib
import sys

from dcgan import DcganError, __version__

# Each module has ``add_parser(subparsers)`` and ``run(args) -> int``.
COMMANDS = ["train", "sample", "explore", "data", "report", "dedup", "evaluate", "classify", "serve", "export", "import", "faces"]
MODULES = {"import": "import_"}  # command -> module name where the command is a Python keyword


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dcgan", description="DCGAN (Radford et al. 2015), reproduced.")
    parser.add_argument("--version", action="version", version=f"dcgan {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"dcgan.cli.{MODULES.get(name, name.replace('-', '_'))}")
        command = module.add_parser(sub)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse's one-line refusal (status 2), or --help/--version (0)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return int(args._run(args) or 0)
    except DcganError as exc:
        print(f"dcgan {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        # a place that cannot be read or written (missing folder, read-only, full disk, file-size
        # limit): one line naming it. Every writer goes through a temp file and a rename
        # (core/atomic.py), so nothing half-written is left under the final name.
        where = f"'{exc.filename}'" if exc.filename else "a file"
        print(f"dcgan {args.command}: error: cannot use {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
