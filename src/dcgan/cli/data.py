"""``dcgan data inspect | prepare | download``: look at, pack and fetch datasets (logic in ``dcgan.data``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from dcgan import DcganError
from dcgan.cli.options import count, nonnegative


def add_parser(sub):
    p = sub.add_parser("data", help="inspect, prepare (pack) or download datasets")
    cmds = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")

    def common(q, resolution: int | None):
        q.add_argument("source", metavar="SRC", help="a dataset name (cifar10, svhn, lsun, ...) or a path")
        q.add_argument("--path", default="", help="where a named dataset's files are (data.path)")
        q.add_argument("--split", default="train", help="train (default), test, extra, ...")
        q.add_argument("--resolution", type=count, default=resolution, required=resolution is None,
                       help="model resolution" + (f" (default {resolution})" if resolution else ""))
        q.add_argument("--channels", type=int, choices=[1, 3], default=3, help="model channels (default 3)")

    q = cmds.add_parser("inspect", help="print format, count, sizes, classes; write a grid of a few images")
    common(q, 64)
    q.add_argument("--grid", default="", help="grid PNG path (default: <name>-grid.png)")
    q.add_argument("--n", type=count, default=64, help="images in the grid (default 64)")
    q.add_argument("--json", action="store_true", help="print the report as JSON")

    q = cmds.add_parser("prepare", help="pack a dataset, resized/cropped, into one fast .npz")
    common(q, None)
    q.add_argument("--out", required=True, help="the pack to write (.npz)")
    q.add_argument("--workers", type=nonnegative, default=0, help="DataLoader workers decoding streamed sources")

    q = cmds.add_parser("download", help="fetch MNIST, Fashion-MNIST, CIFAR-10 or SVHN (checksum-verified)")
    q.add_argument("name", choices=["mnist", "fashion-mnist", "cifar10", "svhn"])
    q.add_argument("--root", required=True, help="folder to download into (a sub-folder per dataset)")
    q.add_argument("--base-url", default="", help="a mirror to fetch from instead of the original site")
    q.add_argument("--extra", action="store_true", help="SVHN: also fetch the 1.3 GB extra set")
    return p


def trainable_arch(resolution: int, channels: int) -> str:
    """The first architecture that trains at this size (``dcgan``, else ``upconv``), by the rules
    ``dcgan train`` applies (config.validate); refused with train's own message when none does."""
    from dcgan.config import resolve_config

    try:
        resolve_config({}, {"model.resolution": resolution, "model.channels": channels})
        return "dcgan"
    except DcganError as exc:
        try:
            resolve_config({}, {"model.arch": "upconv", "model.resolution": resolution, "model.channels": channels})
            return "upconv"
        except DcganError:
            raise DcganError(f"--resolution {resolution}: no model trains at this size ({exc})") from None


def run(args) -> int:
    if args.data_command == "inspect":
        from dcgan.data.inspect import format_report, inspect_dataset

        grid = args.grid or f"{Path(args.path or args.source).name or 'data'}-grid.png"
        info = inspect_dataset(args.source, resolution=args.resolution, channels=args.channels, split=args.split,
                               path=args.path, grid=grid, n_grid=args.n)
        print(json.dumps(info, indent=2) if args.json else format_report(info))
    elif args.data_command == "prepare":
        from dcgan.data.prepare import prepare_pack

        arch = trainable_arch(args.resolution, args.channels)  # before any work: the same rules as train
        result = prepare_pack(args.source, args.out, resolution=args.resolution, channels=args.channels,
                              split=args.split, path=args.path, num_workers=args.workers)
        dropped = f", dropped {len(result.dropped)} corrupt: {'; '.join(result.dropped[:5])}" if result.dropped else ""
        print(f"wrote {result.path} ({result.count} images at {args.resolution}px x{args.channels}{dropped})\n"
              f"train on it with: dcgan train --set data.name={result.path} --set model.resolution={args.resolution} "
              f"--set model.channels={args.channels}" + (f" --arch {arch}" if arch != "dcgan" else ""), file=sys.stderr)
    else:
        from dcgan.data.download import SOURCES, download

        folder = download(args.name, args.root, base_url=args.base_url, include_optional=args.extra)
        print(f"{args.name} is in {folder}\ntrain on it with: dcgan train --set data.name={SOURCES[args.name].data_name} "
              f"--set data.path={folder}", file=sys.stderr)
    return 0
