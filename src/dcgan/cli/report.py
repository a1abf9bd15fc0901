"""``dcgan report RUN_DIR``: write the run's HTML page (``RUN_DIR/report/index.html``) and print its path."""

from __future__ import annotations

import sys


def add_parser(sub):
    p = sub.add_parser("report", help="write a run's HTML report (settings, samples, curves, results)",
                       description="Write RUN_DIR/report/index.html: a static page (images beside it, no "
                       "network requests) with what the run has, and the commands for what it lacks.")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run directory made by dcgan train")
    p.add_argument("--out", help="folder for index.html and its assets (default: RUN_DIR/report)")
    return p


def run(args) -> int:
    from dcgan.report import build_report

    index = build_report(args.run_dir, args.out)
    print(f"report: open {index.resolve().as_uri()}", file=sys.stderr)
    print(index)
    return 0
