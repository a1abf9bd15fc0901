"""The fixed-noise sample grids over training as one looping GIF (the same z every frame, so the
motion is the generator learning; cf. the paper's Figs 2-3, which show two such moments)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from dcgan.images import save_animation
from dcgan.report.runinfo import Grid

LABEL_HEIGHT = 14


def _frame(path: Path, caption: str, size: tuple[int, int], mode: str) -> np.ndarray:
    """One grid, padded (white) to ``size`` if it differs, under a strip with its caption."""
    with Image.open(path) as img:
        img = img.convert(mode)
    canvas = Image.new(mode, (size[0], size[1] + LABEL_HEIGHT), 255 if mode == "L" else (255, 255, 255))
    canvas.paste(img, (0, LABEL_HEIGHT))
    # PIL's built-in bitmap font: no font files needed.
    ImageDraw.Draw(canvas).text((2, 1), caption, fill=0 if mode == "L" else (0, 0, 0))
    array = np.asarray(canvas)
    return array[:, :, None] if array.ndim == 2 else array


def grids_animation(grids: list[Grid], path: Path, duration_ms: int = 600) -> Path | None:
    """Write ``path`` (GIF), one frame a grid; None when there are fewer than 2 grids."""
    if len(grids) < 2:
        return None
    sizes, modes = [], set()
    for grid in grids:
        with Image.open(grid.path) as img:
            sizes.append(img.size)
            modes.add(img.mode)
    mode = "L" if modes <= {"L", "1"} else "RGB"
    size = (max(w for w, _ in sizes), max(h for _, h in sizes))
    frames = [_frame(grid.path, grid.label, size, mode) for grid in grids]
    return save_animation(frames, path, duration_ms=duration_ms)
