"""Numbered sample sheets: how a user names generated samples for §6.3 (boxes around objects to
forget, exemplars for vector arithmetic and attribute axes).

Sample ``i`` of the sheet (seed ``S``, ``N`` samples) is decoded from ``seeded_z(S, N, ...)[i]``: the
very images ``dcgan sample --seed S --n N`` writes, with their index printed on each cell.

Exemplar tokens (used by ``arith``/``axis``):

- ``17``       index 17 on the default sheet (``--sheet-seed``, ``--sheet-n``);
- ``5:17``     index 17 on the sheet of seed 5 (same ``--sheet-n``);
- ``seed=123`` the single z ``seeded_z(123, 1)[0]`` (a "file of seeds" lists these);
- ``@FILE``    the tokens in FILE (separated by spaces, commas or lines; ``#`` starts a comment).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from dcgan import DcganError
from dcgan.core.run import Networks
from dcgan.experiments.common import display_scale, numbered_grid, save_image, write_summary
from dcgan.sampling import generate, seeded_z

BOXES_ABOUT = (
    "Boxes for `dcgan explore forget`: for each sheet index (a string key), a list of boxes "
    "[x0, y0, x1, y1] in sample pixels (0..resolution, x1/y1 exclusive) around the object to forget. "
    "Leave a list empty to use that sample for negatives only; delete keys you do not use. "
    "On sheet.png, sheet pixel (X, Y) in cell i is sample pixel ((X - ox) / scale, (Y - oy) / scale) "
    "with (ox, oy) = cell_origins[i] and scale from the sheet's summary.json. "
    "Optional \"seed_boxes\": {\"<seed>\": [...]} names samples by seed (z = seeded_z(seed, 1)[0])."
)


def sheet_z(seed: int, n: int, z_dim: int, dist: str) -> torch.Tensor:
    return seeded_z(seed, n, z_dim, dist)


def _read_tokens(path: Path) -> list[str]:
    if not path.is_file():
        raise DcganError(f"exemplar file '{path}' does not exist")
    tokens = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0]
        tokens += [t for t in line.replace(",", " ").split() if t]
    if not tokens:
        raise DcganError(f"exemplar file '{path}' lists no exemplars")
    return tokens


def expand_tokens(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        token = token.strip()
        if token.startswith("@"):
            out += _read_tokens(Path(token[1:]))
        elif token:
            out += [t for t in token.replace(",", " ").split() if t]
    return out


def resolve_z(tokens: list[str], z_dim: int, dist: str, sheet_seed: int = 0, sheet_n: int = 64) -> torch.Tensor:
    """Exemplar tokens (see module docstring) -> their z, (k, z_dim) float32."""
    rows = []
    sheets: dict[int, torch.Tensor] = {}
    for token in expand_tokens(tokens):
        try:
            if token.startswith("seed="):
                rows.append(seeded_z(int(token[5:]), 1, z_dim, dist)[0])
                continue
            seed, index = (token.split(":", 1) if ":" in token else (sheet_seed, token))
            seed, index = int(seed), int(index)
        except ValueError:
            raise DcganError(f"exemplar '{token}': expected INDEX, SEED:INDEX, seed=SEED or @FILE") from None
        if not 0 <= index < sheet_n:
            raise DcganError(f"exemplar '{token}': index {index} is not on a sheet of {sheet_n} samples (--sheet-n)")
        if seed not in sheets:
            sheets[seed] = sheet_z(seed, sheet_n, z_dim, dist)
        rows.append(sheets[seed][index])
    if not rows:
        raise DcganError("no exemplars given")
    return torch.stack(rows)


def make_sheet(nets: Networks, seed: int, n: int, out_dir: Path, nrow: int | None = None,
               boxes_template: bool = True, bn: str = "running") -> dict:
    """Write ``sheet.png`` (numbered samples), ``boxes_template.json`` and ``summary.json``."""
    if n < 1:
        raise DcganError(f"--n must be >= 1, got {n}")
    res = nets.config.model.resolution
    scale = display_scale(res, 96)
    nrow = nrow or min(n, 8)
    images = generate(nets.generator, sheet_z(seed, n, nets.z_dim, nets.z_dist), bn=bn)
    grid, origins = numbered_grid(images, nrow=nrow, scale=scale)
    save_image(grid, out_dir / "sheet.png")
    summary = {
        "experiment": "sheet",
        "checkpoint": str(nets.checkpoint),
        "seed": seed,
        "n": n,
        "z_dim": nets.z_dim,
        "z_dist": nets.z_dist,
        "resolution": res,
        "scale": scale,
        "cell_origins": origins,
        "files": ["sheet.png"],
    }
    if boxes_template:
        template = {"about": BOXES_ABOUT, "sheet": {"seed": seed, "n": n}, "resolution": res,
                    "boxes": {str(i): [] for i in range(n)}}
        (out_dir / "boxes_template.json").write_text(json.dumps(template, indent=1) + "\n")
        summary["files"].append("boxes_template.json")
    write_summary(out_dir, summary)
    return summary
