"""``dcgan export CKPT --format onnx|safetensors --out PATH``: take a trained generator to another
runtime. Parsing only; the work is in ``dcgan.interop.export``."""

from __future__ import annotations

import json
import sys

from dcgan import DcganError
from dcgan.cli.options import count


def add_parser(sub):
    p = sub.add_parser("export", help="write a checkpoint as ONNX (G, optionally D) or safetensors",
                       description=__doc__)
    p.add_argument("checkpoint", metavar="CKPT", help="checkpoint file or run directory")
    p.add_argument("--format", required=True, help="onnx (opset 18, dynamic batch, checked with onnxruntime) or safetensors")
    p.add_argument("--out", required=True, help="output file (.onnx / .safetensors)")
    p.add_argument("--discriminator", action="store_true",
                   help="onnx: also export D, to <out stem>.discriminator.onnx")
    p.add_argument("--no-ema", action="store_true", help="onnx: export the raw G even if the checkpoint has an EMA copy")
    p.add_argument("--opset", type=count, default=18, help="onnx opset (default 18)")
    return p


def run(args) -> int:
    from dcgan.interop.export import FORMATS, export_onnx, export_safetensors

    fmt = args.format.lower()
    if fmt not in FORMATS:
        raise DcganError(f"--format '{args.format}' is unknown; choose one of {', '.join(FORMATS)}")
    if fmt == "safetensors":
        if args.discriminator or args.no_ema:
            raise DcganError("--discriminator/--no-ema apply to --format onnx (safetensors holds every network)")
        summary = export_safetensors(args.checkpoint, args.out)
        print(f"wrote {summary['out']} ({', '.join(summary['networks'])}; {summary['tensors']} tensors, "
              f"{summary['bytes']:,} bytes)", file=sys.stderr)
    else:
        summary = export_onnx(args.checkpoint, args.out, discriminator=args.discriminator, use_ema=not args.no_ema,
                              opset=args.opset)
        for role, graph in summary["graphs"].items():
            print(f"wrote {graph['out']} ({role}, opset {summary['opset']}, inputs {', '.join(graph['inputs'])}; "
                  f"onnxruntime vs torch on {summary['check_batch']} random inputs: max |diff| "
                  f"{graph['max_abs_diff']:.2e})", file=sys.stderr)
    print(json.dumps(summary))
    return 0
