"""Which layers gain from bf16? Every convolution of G and D timed alone, float32 against bf16 autocast.

Each conv layer of the chosen architecture gets its own input at the shape it sees in the
network (batch 128, channels-last), and one forward + backward is timed in float32 and under
bf16 autocast (best of 3 after a warm-up, input cast included as in training). The ratio per layer
bounds what bf16 can buy the whole step on this CPU: BatchNorm, activations, the loss and Adam
only dilute it. Companion of ``train_speed.py`` (which times the whole step against a reference).

    python benchmarks/layer_precision.py                    # the 4x4 DCGAN at 64 px RGB
    python benchmarks/layer_precision.py --case imagenet32  # the Table 1 net
    python benchmarks/layer_precision.py --case 32grey

Writes ``results/layer_precision_<case>.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import torch
from torch import nn
from train_speed import CASES  # the same model shapes as the whole-step benchmark

from dcgan.config import resolve_config
from dcgan.core.device import forward_backward_seconds, speed_flags
from dcgan.models import build_models


def conv_layers(net: nn.Module):
    for name, module in net.named_modules():
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
            yield name, module


def input_shapes(net: nn.Module, x: torch.Tensor) -> dict[str, torch.Size]:
    """The input shape of every conv layer of ``net`` on ``x`` (one forward pass, hooks removed after)."""
    shapes: dict[str, torch.Size] = {}
    hooks = [m.register_forward_hook(lambda _m, inputs, _out, n=n: shapes.__setitem__(n, inputs[0].shape))
             for n, m in conv_layers(net)]
    with torch.no_grad():
        net(x)
    for h in hooks:
        h.remove()
    return shapes


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--case", default="64rgb", choices=sorted(CASES))
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--out", default=None, help="default results/layer_precision_<case>.json")
    args = p.parse_args()
    cfg = resolve_config({}, {"preset": "pytorch", **CASES[args.case]}).model
    g, d = build_models(cfg, seed=0)
    z = torch.randn(args.batch, cfg.z_dim)
    with torch.no_grad():
        images = g(z)
    rows = []
    for tag, net, net_input in (("G", g, z), ("D", d, images)):
        shapes = input_shapes(net, net_input)
        for name, layer in conv_layers(net):
            shape = shapes[name]
            layer = layer.to(memory_format=torch.channels_last)
            x = torch.randn(shape).to(memory_format=torch.channels_last).requires_grad_()
            fp32 = forward_backward_seconds(layer, x, None)
            bf16 = forward_backward_seconds(layer, x, torch.bfloat16)
            rows.append({"net": tag, "layer": name, "type": type(layer).__name__, "kernel": layer.kernel_size[0],
                         "stride": layer.stride[0], "in": layer.in_channels, "out": layer.out_channels,
                         "input_hw": list(shape[2:]), "fp32_ms": 1e3 * fp32, "bf16_ms": 1e3 * bf16,
                         "speedup": fp32 / bf16})
            r = rows[-1]
            print(f"{tag} {name:12s} {r['type']:15s} k{r['kernel']} s{r['stride']} {r['in']:4d}->{r['out']:4d} "
                  f"at {tuple(r['input_hw'])}: fp32 {r['fp32_ms']:6.1f} ms, bf16 {r['bf16_ms']:6.1f} ms, "
                  f"{r['speedup']:.2f}x")
    total32, total16 = sum(r["fp32_ms"] for r in rows), sum(r["bf16_ms"] for r in rows)
    print(f"all conv layers: fp32 {total32:.0f} ms, bf16 {total16:.0f} ms, {total32 / total16:.2f}x")
    flags = speed_flags()
    out = Path(args.out or f"results/layer_precision_{args.case}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"command": f"python benchmarks/layer_precision.py --case {args.case}",
                               "cpu": platform.processor() or platform.machine(), "cpu_flags": flags,
                               "threads": torch.get_num_threads(), "torch": torch.__version__, "batch": args.batch,
                               "layers": rows, "fp32_ms": total32, "bf16_ms": total16,
                               "speedup": total32 / total16}, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
