"""Training-step speed: the project's step against a plain reference, in one process.

The reference is the same architecture and batch written the most common straightforward
way (pytorch/examples' dcgan): float32, default memory format, D ends in a sigmoid with
``BCELoss``, a D step on real then on fake, a G step through an un-frozen D, and ``.item()``
reads every iteration. The project's step is ``dcgan.training.step.GANStep`` with the
options of ``--precision`` / ``--channels-last`` / ``--compile``.

Both run interleaved (reference, project, reference, project, ...) so machine noise hits
both alike; the script prints images/s, the ratio, and achieved GFLOP/s (FLOPs counted with
``torch.utils.flop_counter`` on one reference step) against the dense limit of the precision:
the best rate of square matmuls (1024-4096) and a large convolution forward + backward, as the
step runs them (on a CPU a single 2048^2 matmul can be slower than the step itself).

    python benchmarks/train_speed.py                       # 64x64 RGB and 32x32 grey, the defaults (auto, channels-last)
    python benchmarks/train_speed.py --precision fp32 --no-channels-last
    python benchmarks/train_speed.py --augment ''        # without timing train.augment's kinds

Also times the project's step with each ``--augment`` kind (``train.augment``: diffaug, ada at
p = 0.5) and prints its cost over the plain step (issue #37 asks for at most 10%).
Writes results/train_speed.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from dcgan.config import resolve_config
from dcgan.core.device import batchnorm_in_float32_, cpu_model, read_cpuinfo, resolve_device, resolve_precision, speed_flags
from dcgan.models import build_models
from dcgan.training.augment import Augment
from dcgan.training.step import GANStep

# The model shapes measured (config overrides on the pytorch preset); layer_precision.py uses them too.
CASES = {
    "64rgb": {"model.resolution": 64, "model.channels": 3},
    "32grey": {"model.resolution": 32, "model.channels": 1},
    # the Table 1 net (3x3 kernels, 128-512 wide, 32 px RGB): does the bf16 verdict carry over?
    "imagenet32": {"model.arch": "imagenet32"},
}


def timed_rate(work, flops: float, device: torch.device, reps: int) -> float:
    """GFLOP/s of ``work()`` (``flops`` each call): best of ``reps`` after two warm-up calls."""
    for _ in range(2):
        work()
    best = float("inf")
    for _ in range(reps):
        sync(device)
        start = time.perf_counter()
        work()
        sync(device)
        best = min(best, time.perf_counter() - start)
    return flops / best / 1e9


def dense_limit(precision: str, device: torch.device, reps: int = 3) -> dict:
    """The best rate this machine reaches on dense work in ``precision``: square matmuls of three
    sizes and a large convolution forward + backward (channels-last, autocast as the step runs
    it, through oneDNN on a CPU). Returns every probe's GFLOP/s and their maximum."""
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    probes = {}
    for n in (1024, 2048, 4096):
        a = torch.randn(n, n, device=device, dtype=dtype or torch.float32)
        b = torch.randn(n, n, device=device, dtype=dtype or torch.float32)
        probes[f"matmul {n}^2"] = timed_rate(lambda a=a, b=b: a @ b, 2 * n**3, device, reps)
    # D's widest layer at 64 px, a full batch: 4x4 stride-2, 256 -> 512 channels, 16x16 -> 8x8
    conv = nn.Conv2d(256, 512, 4, 2, 1, bias=False).to(device, memory_format=torch.channels_last)
    x = torch.randn(128, 256, 16, 16, device=device).to(memory_format=torch.channels_last).requires_grad_()
    conv_flops = 3 * 2 * 128 * 512 * 8 * 8 * 256 * 4 * 4  # forward, grad input, grad weight

    def conv_step():
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            out = conv(x)
        out.float().sum().backward()

    probes["conv 256->512 fwd+bwd"] = timed_rate(conv_step, conv_flops, device, reps)
    return {"probes_gflops": probes, "limit_gflops": max(probes.values())}


def share_of(gflops: float, limit: dict) -> str:
    """'NN% of the dense limit', or why there is none: a share above 100% would measure nothing."""
    if gflops > limit["limit_gflops"]:
        return "above every dense probe: no limit measured"
    return f"{100 * gflops / limit['limit_gflops']:.0f}% of the dense limit"


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


class ReferenceStep:
    """pytorch/examples/dcgan/main.py's inner loop, on our G and D (+ sigmoid)."""

    def __init__(self, G, D, lr=2e-4, beta1=0.5):
        self.G, self.D = G, D
        self.criterion = nn.BCELoss()
        self.opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=(beta1, 0.999))
        self.opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=(beta1, 0.999))

    def __call__(self, real, noise):
        b = real.shape[0]
        self.D.zero_grad()
        label = torch.full((b,), 1.0, device=real.device)
        output = torch.sigmoid(self.D(real))
        err_real = self.criterion(output, label)
        err_real.backward()
        d_x = output.mean().item()
        fake = self.G(noise)
        label.fill_(0.0)
        output = torch.sigmoid(self.D(fake.detach()))
        err_fake = self.criterion(output, label)
        err_fake.backward()
        d_g_z1 = output.mean().item()
        self.opt_d.step()
        self.G.zero_grad()
        label.fill_(1.0)
        output = torch.sigmoid(self.D(fake))
        err_g = self.criterion(output, label)
        err_g.backward()
        self.opt_g.step()
        return err_real.item() + err_fake.item(), err_g.item(), d_x, d_g_z1


def bench_case(name, overrides, args, device) -> dict:
    cfg = resolve_config({}, {"preset": "pytorch", "train.batch_size": args.batch, **overrides})
    m = cfg.model
    b = cfg.train.batch_size
    real = torch.rand(b, m.channels, m.resolution, m.resolution, device=device) * 2 - 1
    noise = torch.randn(b, m.z_dim, device=device)

    g_ref, d_ref = build_models(m, seed=0)
    g_ref, d_ref = g_ref.to(device), d_ref.to(device)
    ref = ReferenceStep(g_ref, d_ref)

    g, d = build_models(m, seed=0)
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    g, d = g.to(device, memory_format=fmt), d.to(device, memory_format=fmt)
    kw = {"fused": True} if device.type == "cuda" else {"foreach": True}
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999), **kw)
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999), **kw)
    precision = resolve_precision(args.precision, device)
    if precision.dtype is not None and args.batchnorm_fp32:  # as training does (train.batchnorm_fp32)
        batchnorm_in_float32_(g), batchnorm_in_float32_(d)
    g_run, d_run = (torch.compile(g), torch.compile(d)) if args.compile else (g, d)
    # The project's step without augmentation, then with each --augment kind (train.augment) on the
    # same networks: the augmentation's cost is its step's time over the plain step's.
    steps = {"none": GANStep(g_run, d_run, opt_g, opt_d, precision, args.channels_last, discriminator_for_g=d_run)}
    for kind in args.augment:
        augment = Augment(kind, seed=0, device=device)
        augment.p.fill_(0.5)  # ADA mid-way: its transforms run on about half the images
        steps[kind] = GANStep(g_run, d_run, opt_g, opt_d, precision, args.channels_last, discriminator_for_g=d_run,
                              augment=augment)

    with FlopCounterMode(display=False) as counter:
        ref(real, noise)
    flops = counter.get_total_flops()

    for _ in range(args.warmup):
        ref(real, noise)
        for step in steps.values():
            step([real], [noise])
    sync(device)
    t_ref, t_ours = 0.0, dict.fromkeys(steps, 0.0)
    for _ in range(args.rounds):  # interleaved, so machine noise hits every variant alike
        start = time.perf_counter()
        for _ in range(args.steps):
            ref(real, noise)
        sync(device)
        t_ref += time.perf_counter() - start
        for kind, step in steps.items():
            start = time.perf_counter()
            for _ in range(args.steps):
                stats = step([real], [noise])
            stats.as_tensor().tolist()  # the tick's one sync
            sync(device)
            t_ours[kind] += time.perf_counter() - start
    n_img = args.rounds * args.steps * b
    result = {
        "case": name, "batch": b, "resolution": m.resolution, "channels": m.channels, "width": m.g_width,
        "reference_images_per_s": n_img / t_ref, "project_images_per_s": n_img / t_ours["none"],
        "speedup": t_ref / t_ours["none"], "gflop_per_step": flops / 1e9,
        "reference_gflops": flops * args.rounds * args.steps / t_ref / 1e9,
        "project_gflops": flops * args.rounds * args.steps / t_ours["none"] / 1e9,
        "augment_cost": {kind: t_ours[kind] / t_ours["none"] - 1 for kind in args.augment},
    }
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="auto")
    p.add_argument("--precision", default="auto", help="project step precision (auto: bf16 where supported)")
    p.add_argument("--no-channels-last", dest="channels_last", action="store_false")
    p.add_argument("--no-batchnorm-fp32", dest="batchnorm_fp32", action="store_false",
                   help="under bf16/fp16, leave BatchNorm in the low precision (train.batchnorm_fp32=false)")
    p.add_argument("--compile", action="store_true")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=3, help="steps per timed round")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--augment", default="diffaug,ada", type=lambda v: [k for k in v.split(",") if k and k != "none"],
                   help="train.augment kinds whose cost is timed against the plain step (default diffaug,ada; '' for none)")
    p.add_argument("--cases", default="64rgb,32grey", help="comma-separated: 64rgb, 32grey, imagenet32 (the Table 1 net)")
    p.add_argument("--out", default="results/train_speed.json")
    args = p.parse_args()
    device = resolve_device(args.device)
    unknown = [name for name in args.cases.split(",") if name not in CASES]
    if unknown:
        p.error(f"--cases: unknown {unknown}; use {sorted(CASES)}")
    precision = resolve_precision(args.precision, device)
    limits = {"fp32": dense_limit("fp32", device)}
    if precision.name != "fp32":
        limits[precision.name] = dense_limit(precision.name, device)
    for name, limit in limits.items():
        probes = ", ".join(f"{k} {v:.0f}" for k, v in limit["probes_gflops"].items())
        print(f"dense limit {name}: {limit['limit_gflops']:.0f} GFLOP/s (best of {probes})")
    print(f"device={device} threads={torch.get_num_threads()} project step: {precision.name}, "
          f"channels_last={args.channels_last}, batchnorm_fp32={args.batchnorm_fp32}, compile={args.compile}")
    results = []
    for name in args.cases.split(","):
        r = bench_case(name, CASES[name], args, device)
        results.append(r)
        print(
            f"{name:7s} reference {r['reference_images_per_s']:7.1f} img/s ({r['reference_gflops']:5.0f} GFLOP/s, "
            f"{share_of(r['reference_gflops'], limits['fp32'])} fp32) | project {r['project_images_per_s']:7.1f} img/s "
            f"({r['project_gflops']:5.0f} GFLOP/s, {share_of(r['project_gflops'], limits[precision.name])} "
            f"{precision.name}) | speedup {r['speedup']:.2f}x"
            + "".join(f" | {kind} +{100 * cost:.1f}%" for kind, cost in r["augment_cost"].items()),
            flush=True,
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"device": str(device), "cpu": cpu_model(read_cpuinfo()), "flags": speed_flags(), "date": time.strftime("%Y-%m-%d"),
            "torch": torch.__version__, "command": "python benchmarks/train_speed.py " + " ".join(sys.argv[1:]),
            "threads": torch.get_num_threads(), "dense_limits": limits,
            "options": {"precision": precision.name, "channels_last": args.channels_last,
                        "batchnorm_fp32": args.batchnorm_fp32, "compile": args.compile}}
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
