"""Arithmetic and size of each preset: FLOPs of one G+D forward pass per image, parameters.

    python benchmarks/model_cost.py

FLOPs are counted by ``torch.utils.flop_counter`` (convolutions and matrix multiplies).
"""

from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode

from dcgan.config import resolve_config
from dcgan.models import build_models


def main() -> None:
    print(f"{'preset':8s} {'size':>10s} {'MFLOP/img (G+D fwd)':>20s} {'G params':>10s} {'D params':>10s}")
    for preset in ("pytorch", "paper"):
        for res, ch in ((32, 1), (64, 3)):
            m = resolve_config({}, {"preset": preset, "model.resolution": res, "model.channels": ch}).model
            g, d = build_models(m)
            with FlopCounterMode(display=False) as counter, torch.no_grad():
                d(g(torch.randn(2, m.z_dim)))
            mflop = counter.get_total_flops() / 2 / 1e6
            n_g = sum(p.numel() for p in g.parameters()) / 1e6
            n_d = sum(p.numel() for p in d.parameters()) / 1e6
            print(f"{preset:8s} {f'{res}x{res}x{ch}':>10s} {mflop:20.1f} {n_g:9.2f}M {n_d:9.2f}M")


if __name__ == "__main__":
    main()
