"""The authors' released SVHN DCGAN through this package: import, sample, and what its D says.

    python scripts/authors_svhn.py [--release DIR] [--out results/authors_svhn]

Runs ``dcgan import authors`` and ``dcgan sample --z ... --bn batch`` (the authors always sampled
with batch statistics), then scores with the imported D (batch statistics too, one batch each):
G's samples, uniform noise in [-1, 1], and "real-looking" noise (Gaussian noise blurred to image
scale and given the samples' per-channel mean and spread). Checks the imported networks against
an independent NumPy rebuild of the authors' graphs (``tests/interop/authors_oracle.py``) on the
first ``--oracle-n`` z. Writes ``summary.json`` and ``samples.png`` to --out; prints every command
it runs.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from dcgan.core.checkpoint import checkpoint_config, load_checkpoint
from dcgan.core.device import machine_record
from dcgan.data.types import to_model_range
from dcgan.models.registry import build_discriminator, build_generator
from dcgan.sampling import bn_mode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the oracle lives beside the tests that check it
from tests.interop import authors_oracle  # noqa: E402

RELEASE = ROOT.parent / "shared" / "authors-weights" / "svhn_unsup_all_conv_dcgan_100z_gaussian_lr_0.0005_64mb"


def run(cmd: list[str]) -> None:
    print("+", shlex.join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True)


@torch.no_grad()
def d_probability(d, images: torch.Tensor) -> np.ndarray:
    with bn_mode(d, "batch"):
        return torch.sigmoid(d(images)).numpy()


def real_looking_noise(like: torch.Tensor, seed: int) -> torch.Tensor:
    """Gaussian noise blurred (5x5 box, twice) to image-scale blobs, with ``like``'s per-channel mean/std."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(like.shape, generator=g)
    kernel = torch.ones(like.shape[1], 1, 5, 5) / 25
    for _ in range(2):
        x = F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), kernel, groups=like.shape[1])
    x = (x - x.mean((0, 2, 3), keepdim=True)) / x.std((0, 2, 3), keepdim=True)
    return (x * like.std((0, 2, 3), keepdim=True) + like.mean((0, 2, 3), keepdim=True)).clamp(-1, 1)


def release_arrays(release: Path, net: str) -> list[np.ndarray]:
    """The release's ``200_{net}_params.jl_N.npy`` arrays in N order (arrays only, no pickle)."""
    files = sorted(release.glob(f"200_{net}_params.jl_*.npy"), key=lambda p: int(p.stem.rsplit("_", 1)[1].split(".")[0]))
    return [np.load(f, allow_pickle=False) for f in files]


@torch.no_grad()
def oracle_agreement(state: dict, cfg, release: Path, z: np.ndarray) -> dict:
    """Largest differences between the imported G and D (batch statistics) and the NumPy oracle."""
    g = build_generator(cfg.model)
    g.load_state_dict(state["generator"])
    d = build_discriminator(cfg.model)
    d.load_state_dict(state["discriminator"])
    theirs = authors_oracle.svhn_gen(z, release_arrays(release, "gen"))
    with bn_mode(g, "batch"):
        ours = g(torch.from_numpy(z)).double().numpy()
    prob_theirs = authors_oracle.svhn_discrim(theirs.astype(np.float32), release_arrays(release, "discrim"))
    prob_ours = d_probability(d, torch.from_numpy(theirs.astype(np.float32))).astype(np.float64)
    return {"z": len(z), "generator_max_abs_diff": float(np.abs(ours - theirs).max()),
            "uint8_values": int(theirs.size),  # a value a hair from a rounding boundary may land one grey level off
            "uint8_values_differing": int((authors_oracle.to_uint8(ours) != authors_oracle.to_uint8(theirs)).sum()),
            "d_probability_max_abs_diff": float(np.abs(prob_ours - prob_theirs).max())}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--release", default=str(RELEASE))
    p.add_argument("--out", default=str(ROOT / "results" / "authors_svhn"))
    p.add_argument("--n", type=int, default=128, help="samples (one BatchNorm batch, as the authors' 128)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--oracle-n", type=int, default=64, help="z checked against the NumPy oracle (one batch)")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    dcgan = str(Path(sys.executable).with_name("dcgan"))
    ckpt = out / "svhn_authors.pt"
    run([dcgan, "import", "authors", args.release, "--out", str(ckpt)])
    cfg = checkpoint_config(load_checkpoint(ckpt))
    z = torch.Generator().manual_seed(args.seed)
    np.save(out / "z.npy", torch.randn(args.n, cfg.model.z_dim, generator=z).numpy())  # gaussian z, as the release
    run([dcgan, "sample", "--checkpoint", str(ckpt), "--z", str(out / "z.npy"), "--bn", "batch",
         "--out", str(out / "samples.npz"), "--grid", str(out / "samples.png")])

    state = load_checkpoint(ckpt)
    d = build_discriminator(cfg.model)
    d.load_state_dict(state["discriminator"])
    samples = to_model_range(torch.from_numpy(np.load(out / "samples.npz")["arr_0"]).permute(0, 3, 1, 2))
    uniform = torch.rand(samples.shape, generator=torch.Generator().manual_seed(1)) * 2 - 1
    scores = {
        "G samples": d_probability(d, samples),
        "uniform noise": d_probability(d, uniform),
        "real-looking noise": d_probability(d, real_looking_noise(samples, seed=2)),
    }
    summary = {
        "release": Path(args.release).name,
        "checkpoint_config": cfg.model.__dict__,
        "d_probability_real": {k: {"mean": float(v.mean()), "median": float(np.median(v)), "min": float(v.min()),
                                   "max": float(v.max())} for k, v in scores.items()},
        "oracle": oracle_agreement(state, cfg, Path(args.release), np.load(out / "z.npy")[:args.oracle_n]),
        "n": args.n,
        "seed": args.seed,
        "command": "python scripts/authors_svhn.py",
        "machine": machine_record(),
    }
    ckpt.unlink()  # 10 MB; remade by the import line above
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    for k, v in summary["d_probability_real"].items():
        print(f"D(x) on {k:20s} mean {v['mean']:.3f}  median {v['median']:.3f}  [{v['min']:.3f}, {v['max']:.3f}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
