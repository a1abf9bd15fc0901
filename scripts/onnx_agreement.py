"""How closely an ONNX export of a trained network reproduces dcgan's own images and logits.

    python scripts/onnx_agreement.py --checkpoint fashion --n 2000   # -> results/onnx_agreement.json

Exports G and D (``dcgan export --format onnx --discriminator``: its own check is 5 random inputs
to 1e-4), then runs onnxruntime on ``--n`` seeded z and compares with ``Model.generate`` (the
images ``dcgan sample`` writes): the largest float difference, and the uint8 images under the one
rounding rule (``data/types.to_uint8``: round((clamp(x, -1, 1) + 1) * 127.5), half to even) — how
many values land on another grey level, and by how much; and D's logits on those images.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import torch

import dcgan
from dcgan.core.device import machine_record
from dcgan.data.types import to_model_range, to_uint8
from dcgan.interop.export import export_onnx
from dcgan.sampling import seeded_z

ROOT = Path(__file__).resolve().parents[1]


def agreement(checkpoint: str, n: int, seed: int = 0) -> dict:
    import onnxruntime as ort

    model = dcgan.load(checkpoint)
    cfg = model.config.model
    with tempfile.TemporaryDirectory() as tmp:
        summary = export_onnx(checkpoint, Path(tmp) / "g.onnx", discriminator=True)
        g = ort.InferenceSession(str(Path(tmp) / "g.onnx"), providers=["CPUExecutionProvider"])
        d = ort.InferenceSession(str(Path(tmp) / "g.discriminator.onnx"), providers=["CPUExecutionProvider"])
        z = seeded_z(seed, n, cfg.z_dim, cfg.z_dist)
        ours = model.generate(z=z, as_tensor=True)
        theirs = torch.from_numpy(g.run(None, {g.get_inputs()[0].name: z.numpy()})[0])
        ours_u8, theirs_u8 = to_uint8(ours).int(), to_uint8(theirs).int()
        images = model.generate(z=z)
        logits_ours = torch.as_tensor(model.discriminate(images))
        x = to_model_range(torch.from_numpy(images).permute(0, 3, 1, 2).contiguous())
        logits_theirs = torch.from_numpy(d.run(None, {d.get_inputs()[0].name: x.numpy()})[0])
    differing = (ours_u8 != theirs_u8)
    return {
        "checkpoint": checkpoint, "samples": n, "seed": seed, "export_check": summary["graphs"],
        "generator_max_abs_diff": float((ours - theirs).abs().max()),
        "uint8_values": int(ours_u8.numel()), "uint8_values_differing": int(differing.sum()),
        "uint8_max_grey_levels": int((ours_u8 - theirs_u8).abs().max()),
        "images_differing": int(differing.flatten(1).any(1).sum()),
        "discriminator_max_abs_diff": float((logits_ours.float() - logits_theirs.float().reshape(logits_ours.shape)).abs().max()),
        "command": f"python scripts/onnx_agreement.py --checkpoint {checkpoint} --n {n}",
        "machine": machine_record(),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", default="fashion", help="run, checkpoint or pretrained name (default: fashion)")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--out", default=str(ROOT / "results" / "onnx_agreement.json"))
    args = p.parse_args()
    result = agreement(args.checkpoint, args.n)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "export_check"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
