"""``dcgan faces <step>``: Figures 7-8 on real faces, measured (paper §6.3.2).

    judge   train the attribute judge (gender, age group) on real UTKFace faces; held-out accuracy
    score   vector arithmetic scored by the judge: mean3 / single / pixel / random, with intervals
    pose    the turn axis from a mirror-image pose proxy, checked against the judge

Parsing only; the work is in ``dcgan.evaluation.train_judge``, ``dcgan.experiments.face_scoring``
and ``dcgan.experiments.pose_axis``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dcgan import DcganError
from dcgan.cli.options import count, nonnegative, positive_float


def _model(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoint", required=True, help="face model: checkpoint file or run directory")
    p.add_argument("--judge", required=True, help="judge checkpoint (judge.pt, or the folder holding it)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--sheet-seed", type=nonnegative, default=0, help="seed of the numbered sheet exemplars are picked from")
    p.add_argument("--sheet-n", type=count, default=512, help="samples on that sheet (default 512)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--no-ema", action="store_true", help="use the raw generator even if the checkpoint has an EMA copy")


def add_parser(sub):
    p = sub.add_parser("faces", help="§6.3.2 on real faces: attribute judge, scored arithmetic, checked turn axis",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    steps = p.add_subparsers(dest="step", required=True, metavar="STEP")

    j = steps.add_parser("judge", help="train the attribute judge on real labelled faces")
    j.add_argument("--data", default="utkface", help="labelled faces: a name or path (default utkface)")
    j.add_argument("--data-path", default="", help="where the named dataset is")
    j.add_argument("--out", required=True, help="folder for judge.pt and judge.json")
    j.add_argument("--epochs", type=count, default=4)
    j.add_argument("--seed", type=nonnegative, default=0)
    j.add_argument("--limit", type=nonnegative, default=0, help="train on N faces only (smoke tests)")
    j.add_argument("--threads", type=nonnegative, default=0, help="torch CPU threads (0: torch's default)")

    s = steps.add_parser("score", help="judge-scored vector arithmetic: mean3, single, pixel, random")
    _model(s)
    s.add_argument("--pool", type=count, default=12, help="most confident sheet samples per concept (default 12)")
    s.add_argument("--draws", type=count, default=20, help="exemplar draws per expression (default 20)")
    s.add_argument("--seed", type=nonnegative, default=0)
    s.add_argument("--concept", action="append", default=[], metavar="NAME=TOKENS",
                   help="pick a concept by eye instead (e.g. old_man=3,17,42 on the sheet); repeatable")

    x = steps.add_parser("pose", help="turn axis from the mirror-image pose proxy, checked with the judge")
    _model(x)
    x.add_argument("--data", default="utkface", help="real faces for the pose proxy (default utkface)")
    x.add_argument("--real", type=count, default=4000, help="real faces the proxy is fitted on")
    x.add_argument("--k", type=count, default=4, help="sheet samples per side of the axis (paper: 4)")
    x.add_argument("--n", type=count, default=32, help="random samples moved along the axis")
    x.add_argument("--steps", type=count, default=9, help="alphas (odd)")
    x.add_argument("--extent", type=positive_float, default=1.5)
    x.add_argument("--seed", type=nonnegative, default=1)
    return p


def run(args) -> int:
    import torch

    if args.step == "judge":
        from dcgan.evaluation.judge import save_judge
        from dcgan.evaluation.train_judge import train_judge

        if args.threads:
            torch.set_num_threads(args.threads)
        judge, metrics, settings = train_judge(args.data, args.data_path, args.epochs, seed=args.seed, limit=args.limit,
                                               log=lambda m: print(m, file=sys.stderr, flush=True))
        settings["command"] = " ".join(["dcgan faces"] + sys.argv[2:]) if sys.argv[1:2] == ["faces"] else ""
        out = Path(args.out)
        save_judge(judge, out / "judge.pt", metrics, settings)
        (out / "judge.json").write_text(json.dumps({"metrics": metrics, "settings": settings}, indent=2) + "\n")
        print(json.dumps(metrics, indent=2))
        print(f"wrote {out / 'judge.pt'} and judge.json", file=sys.stderr)
        return 0

    from dcgan.core.run import open_run
    from dcgan.evaluation.judge import load_judge

    nets = open_run(args.checkpoint, args.device, use_ema=not args.no_ema)
    if nets.config.model.channels != 3:
        raise DcganError(f"--checkpoint '{args.checkpoint}' makes {nets.config.model.channels}-channel images; "
                         "the face judge needs RGB")
    judge, meta = load_judge(args.judge)
    out = Path(args.out)
    if args.step == "score":
        from dcgan.experiments.face_scoring import score_arithmetic

        by_eye = {}
        for spec in args.concept:
            if "=" not in spec:
                raise DcganError(f"--concept expects NAME=TOKENS, got '{spec}'")
            name, tokens = spec.split("=", 1)
            by_eye[name.strip()] = tokens
        summary = score_arithmetic(nets, judge, out, meta, sheet_seed=args.sheet_seed, sheet_n=args.sheet_n,
                                   pool=args.pool, draws=args.draws, seed=args.seed, by_eye=by_eye)
        print((out / "table.md").read_text())
    else:
        from dcgan.experiments.pose_axis import pose_axis_check, real_faces

        real = real_faces(args.data, args.real, args.seed, nets.config.model.resolution)
        summary = pose_axis_check(nets, judge, real, out, args.sheet_seed, args.sheet_n, args.k, args.seed, args.n,
                                  args.steps, args.extent)
        print(json.dumps({k: summary[k] for k in ("axis", "random_direction")}, indent=2))
    print(f"wrote {', '.join(summary['files'])} to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # usable before `faces` is listed in dcgan.cli.COMMANDS
    _parser = argparse.ArgumentParser(prog="python -m dcgan.cli.faces")
    add_parser(_parser.add_subparsers(dest="command", required=True))
    _args = _parser.parse_args(["faces", *sys.argv[1:]])
    try:
        sys.exit(run(_args))
    except DcganError as _exc:
        print(f"dcgan faces: error: {_exc}", file=sys.stderr)
        sys.exit(2)
