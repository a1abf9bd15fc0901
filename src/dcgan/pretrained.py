"""Pretrained networks that ship in the repository, usable by name wherever a checkpoint goes.

    dcgan.load("faces")                                  # the Python API
    dcgan sample --checkpoint faces --n 64 --grid g.png  # every command that reads a checkpoint

The files are ``dcgan-safetensors`` checkpoints (``core/safetensors_io.py``: tensors and the
resolved config, nothing executable) in ``assets/pretrained/``, listed in its ``registry.json``
with their SHA-256, the data and steps they were trained on, and their headline quality with the
command that measured it. Names resolve in ``core/pretrained.py`` (a low layer, so every loader
can use it): only when no file or folder of that name exists, and only after the file matches
its SHA-256.

``publish`` (``python -m dcgan.pretrained publish RUN NAME ...``) writes a run's best networks
there: G as ``dcgan sample`` uses it (the EMA copy when the run kept one) and D, each in half
precision when that keeps its outputs within 1/255 of the full-precision network's (G's pixels in
[0, 1], D's probability), else in float32. Commands that write next to a run write a pretrained
network's outputs under ``runs/pretrained/NAME/`` (``layout.run_dir_of``).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

import torch

from dcgan import DcganError
from dcgan.atomic import atomic_path, write_text_atomic
from dcgan.core import layout
from dcgan.core.pretrained import REGISTRY, pretrained_file, registry, resolve, sha256_of
from dcgan.core.run import open_run
from dcgan.core.safetensors_io import save_safetensors
from dcgan.sampling import seeded_z

__all__ = ["REGISTRY", "TOLERANCE", "pretrained_file", "publish", "registry", "resolve", "sha256_of"]
TOLERANCE = 1 / 255  # the largest output change half precision may make (one grey level)
CHECK_SAMPLES = 256

def _half(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.half() if v.is_floating_point() else v for k, v in state.items()}


def _as_loaded(module: torch.nn.Module, state: dict[str, torch.Tensor]) -> torch.nn.Module:
    """A float32 copy of ``module`` holding ``state`` (what a loader makes of a half-precision file)."""
    clone = copy.deepcopy(module)
    clone.load_state_dict(state)
    return clone.eval()


def _largest_change(generator, discriminator, half_g, half_d, z: torch.Tensor) -> tuple[float, float]:
    with torch.no_grad():
        images = generator(z)
        g_change = float(((half_g(z) - images).abs() / 2).max())  # [-1, 1] -> [0, 1] units
        d_change = float((torch.sigmoid(half_d(images)) - torch.sigmoid(discriminator(images))).abs().max())
    return g_change, d_change


def publish(checkpoint: str | Path, name: str, *, data: str, quality: dict[str, Any], folder: Path | None = None,
            notes: str = "") -> dict[str, Any]:
    """Write ``checkpoint``'s G (as sampled) and D to ``folder/NAME.safetensors`` and its registry entry."""
    folder = Path(folder) if folder is not None else layout.PRETRAINED_DIR
    nets = open_run(checkpoint, "cpu", discriminator=True)
    g, d = nets.generator.float().eval(), nets.discriminator.float().eval()
    if nets.config.model.num_classes:
        raise DcganError("publish: class-conditional networks are not published (their G takes labels)")
    z = seeded_z(0, CHECK_SAMPLES, nets.z_dim, nets.z_dist)
    g_state, d_state = g.state_dict(), d.state_dict()
    g_half, d_half = _half(g_state), _half(d_state)
    g_change, d_change = _largest_change(g, d, _as_loaded(g, g_half), _as_loaded(d, d_half), z)
    precision = {"generator": "float16" if g_change <= TOLERANCE else "float32",
                 "discriminator": "float16" if d_change <= TOLERANCE else "float32"}
    state = {"config": nets.config.to_dict(), "step": nets.step or 0,
             "generator": g_half if precision["generator"] == "float16" else g_state,
             "discriminator": d_half if precision["discriminator"] == "float16" else d_state}
    out = folder / f"{name}.safetensors"
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        save_safetensors(state, tmp)
    entry = {"file": out.name, "sha256": sha256_of(out), "bytes": out.stat().st_size, "data": data,
             "steps": int(nets.step or 0), "resolution": nets.config.model.resolution,
             "channels": nets.config.model.channels, "arch": nets.config.model.arch, "precision": precision,
             "half_precision_change": {"generator": g_change, "discriminator": d_change, "tolerance": TOLERANCE},
             "quality": quality, "source": str(nets.checkpoint), "notes": notes}
    entries = registry(folder)
    entries[name] = entry
    write_text_atomic(folder / REGISTRY, json.dumps(dict(sorted(entries.items())), indent=2) + "\n")
    return entry


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m dcgan.pretrained", description="list or publish pretrained networks")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the registry: name, data, steps, quality")
    pub = sub.add_parser("publish", help="write a run's networks into the registry")
    pub.add_argument("checkpoint", help="run directory (its best snapshot when kept) or checkpoint")
    pub.add_argument("name")
    pub.add_argument("--data", required=True, help="what it was trained on, in words")
    pub.add_argument("--quality", required=True, help="JSON: the headline measure (metric, value, command)")
    pub.add_argument("--notes", default="")
    pub.add_argument("--folder", default=None, help="default: the package's assets/pretrained/")
    args = p.parse_args(argv)
    try:
        if args.command == "list":
            for name, e in registry().items():
                print(f"{name}: {e['data']}, {e['steps']} steps, {e['resolution']} px, {e['bytes'] / 1e6:.1f} MB")
            return 0
        entry = publish(args.checkpoint, args.name, data=args.data, quality=json.loads(args.quality),
                        folder=args.folder, notes=args.notes)
    except (DcganError, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(entry, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
