"""Vector arithmetic on z (paper §6.3.2, Figure 7).

Each concept is a set of exemplar z's (three in the paper, picked from samples), averaged: single
samples were unstable, means obeyed the arithmetic. An expression such as ``A - B + C`` combines
the means into Y; Y is decoded in the centre of a 3x3 grid whose 8 other cells decode
``Y + U(-0.25, 0.25)`` noise. For comparison the same expression is applied in pixel space to the
concepts' mean images (the paper's bottom rows: noisy overlaps, because pixels do not align).
"""

from __future__ import annotations

import re
from pathlib import Path

import torch

from dcgan import DcganError
from dcgan.core.run import Networks
from dcgan.data.types import to_model_range, to_uint8
from dcgan.experiments.common import display_scale, grid_array, hstack, save_image, vstack, write_summary
from dcgan.sampling import generate

NOISE = 0.25  # the paper's neighbour noise: uniform in [-0.25, 0.25]

_TERM = re.compile(r"\s*([+-]?)\s*([A-Za-z_][A-Za-z0-9_]*)\s*")


def parse_expression(expression: str) -> list[tuple[int, str]]:
    """'A - B + C' -> [(+1, 'A'), (-1, 'B'), (+1, 'C')]. Only sums and differences of names."""
    terms, pos = [], 0
    text = expression.strip()
    while pos < len(text):
        m = _TERM.match(text, pos)
        if not m or m.end() == pos or (terms and not m.group(1)):
            raise DcganError(f"expression '{expression}': expected names joined by + and - (e.g. 'A - B + C')")
        terms.append((-1 if m.group(1) == "-" else 1, m.group(2)))
        pos = m.end()
    if not terms:
        raise DcganError("empty expression")
    return terms


def combine(terms: list[tuple[int, str]], values: dict[str, torch.Tensor]) -> torch.Tensor:
    """Evaluate the signed sum left to right, starting from the first term (not from zero), so one
    exemplar per concept gives bitwise ``zA - zB + zC``."""
    missing = sorted({name for _, name in terms} - set(values))
    if missing:
        raise DcganError(f"expression uses undefined concept(s) {', '.join(missing)}; define them with --concept NAME=...")
    sign, name = terms[0]
    result = values[name] if sign > 0 else -values[name]
    for sign, name in terms[1:]:
        result = result + values[name] if sign > 0 else result - values[name]
    return result


def concept_means(concepts: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """name -> exemplar z (k, D) gives name -> mean z (D,)."""
    return {name: z.mean(dim=0) for name, z in concepts.items()}


def neighbours(y: torch.Tensor, noise: float, seed: int) -> torch.Tensor:
    """The paper's 3x3 grid: Y in the centre (index 4), 8 cells Y + U(-noise, noise), (9, D)."""
    rng = torch.Generator().manual_seed(seed)
    jitter = (torch.rand(8, y.shape[0], generator=rng) * 2 - 1) * noise
    cells = y[None] + jitter
    return torch.cat([cells[:4], y[None], cells[4:]])


def arithmetic(nets: Networks, concepts: dict[str, torch.Tensor], expression: str, out_dir: Path, seed: int = 0,
               noise: float = NOISE, bn: str = "running", labels: dict[str, list[str]] | None = None) -> dict:
    """Write ``concepts.png`` (each concept's exemplars then its mean-z decode), ``result.png`` (3x3),
    ``pixel.png`` (concept mean images and the pixel-space result) and ``arithmetic.png`` (all)."""
    terms = parse_expression(expression)
    used = [name for _, name in terms]
    means = concept_means(concepts)
    y = combine(terms, means)
    scale = display_scale(nets.config.model.resolution)
    g = nets.generator

    exemplar_images = {name: generate(g, concepts[name], bn=bn) for name in dict.fromkeys(used)}
    mean_images = generate(g, torch.stack([means[name] for name in dict.fromkeys(used)]), bn=bn)
    width = max(z.shape[0] for z in exemplar_images.values()) + 1
    rows = []
    for i, name in enumerate(dict.fromkeys(used)):
        row = exemplar_images[name]
        blank = torch.full((width - 1 - row.shape[0], *row.shape[1:]), 255, dtype=torch.uint8)
        rows.append(torch.cat([row, blank, mean_images[i : i + 1]]))
    concepts_grid = grid_array(torch.cat(rows), nrow=width, scale=scale)
    save_image(concepts_grid, out_dir / "concepts.png")

    result = generate(g, neighbours(y, noise, seed), bn=bn)
    result_grid = grid_array(result, nrow=3, scale=scale)
    save_image(result_grid, out_dir / "result.png")

    # Pixel space: mean exemplar image per concept (in [-1, 1]), same signed sum, clipped back.
    pixel_means = {name: to_model_range(imgs).mean(dim=0) for name, imgs in exemplar_images.items()}
    pixel_result = to_uint8(combine(terms, pixel_means)[None])
    pixel_row = torch.cat([to_uint8(torch.stack([pixel_means[n] for n in dict.fromkeys(used)])), pixel_result])
    pixel_grid = grid_array(pixel_row, nrow=pixel_row.shape[0], scale=scale)
    save_image(pixel_grid, out_dir / "pixel.png")
    save_image(vstack([hstack([concepts_grid, result_grid], gap=16), pixel_grid], gap=16), out_dir / "arithmetic.png")

    summary = {
        "experiment": "arithmetic",
        "checkpoint": str(nets.checkpoint),
        "expression": expression,
        "terms": [[s, n] for s, n in terms],
        "concepts": {name: {"exemplars": (labels or {}).get(name), "count": int(concepts[name].shape[0])}
                     for name in dict.fromkeys(used)},
        "noise": noise,
        "seed": seed,
        "bn": bn,
        "result_z_norm": float(y.norm()),
        "pixel_result_clipped_fraction": float((combine(terms, pixel_means).abs() > 1).float().mean()),
        "layout": {"concepts.png": "one row per concept: exemplars, then the decode of their mean z",
                   "result.png": "3x3: centre = decode of the expression, others = result + U(-noise, noise)",
                   "pixel.png": "mean exemplar image per concept, then the expression applied to those pixels"},
        "files": ["concepts.png", "result.png", "pixel.png", "arithmetic.png"],
    }
    write_summary(out_dir, summary)
    return summary
