"""Shared plumbing for the §6 experiments: real images, summaries and figure helpers (numbered
sheets, side-by-side panels). No experiment logic lives here; opening a run is ``dcgan.core.run``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from dcgan import DcganError
from dcgan.config import Config
from dcgan.data import open_dataset
from dcgan.data.materialise import materialise, random_indices
from dcgan.images import make_grid, to_pil


def write_summary(out_dir: Path, summary: dict[str, Any]) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "summary.json"
    path.write_text(json.dumps(summary, indent=2, sort_keys=False) + "\n")
    return path


def display_scale(resolution: int, target: int = 64) -> int:
    """Nearest-neighbour upscale factor so small samples are visible (and numbers fit)."""
    return max(1, target // resolution)


def upscale(images: torch.Tensor, scale: int) -> torch.Tensor:
    """uint8 (N, C, H, W) -> nearest-neighbour upscaled by an integer factor."""
    if scale <= 1:
        return images
    return images.repeat_interleave(scale, dim=2).repeat_interleave(scale, dim=3)


def save_image(array_hwc: np.ndarray, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    to_pil(array_hwc).save(path)
    return path


def grid_array(images: torch.Tensor, nrow: int, scale: int = 1, padding: int = 2) -> np.ndarray:
    return make_grid(upscale(images, scale), nrow=nrow, padding=padding)


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: one fixed-size bitmap font
        return ImageFont.load_default()


def numbered_grid(images: torch.Tensor, nrow: int, scale: int, start: int = 0,
                  padding: int = 2) -> tuple[np.ndarray, list[list[int]]]:
    """Grid (H, W, 3) with each cell's index written in its top-left corner, and each cell's origin
    ``[x, y]`` in grid pixels (so a point on the sheet maps back to sample pixels)."""
    big = upscale(images, scale)
    n, c, h, w = big.shape
    if c == 1:
        big = big.repeat(1, 3, 1, 1)
    grid = make_grid(big, nrow=nrow, padding=padding)
    img = Image.fromarray(grid)
    draw = ImageDraw.Draw(img)
    font = _font(max(9, min(16, h // 4)))
    origins = []
    for i in range(n):
        r, col = divmod(i, nrow)
        x, y = padding + col * (w + padding), padding + r * (h + padding)
        origins.append([x, y])
        text = str(start + i)
        left, top, right, bottom = draw.textbbox((x + 1, y), text, font=font)
        draw.rectangle((left - 1, top - 1, right + 1, bottom + 1), fill=(255, 255, 0))
        draw.text((x + 1, y), text, fill=(0, 0, 0), font=font)
    return np.asarray(img), origins


def draw_boxes(images: torch.Tensor, boxes: list[list[list[float]]], scale: int, color=(255, 0, 0)) -> torch.Tensor:
    """uint8 (N, C, H, W) -> upscaled RGB copies with each image's boxes (sample pixels) outlined."""
    big = upscale(images, scale)
    if big.shape[1] == 1:
        big = big.repeat(1, 3, 1, 1)
    out = []
    for image, image_boxes in zip(big, boxes):
        pil = Image.fromarray(image.permute(1, 2, 0).numpy())
        draw = ImageDraw.Draw(pil)
        for x0, y0, x1, y1 in image_boxes:
            draw.rectangle((x0 * scale, y0 * scale, x1 * scale - 1, y1 * scale - 1), outline=color)
        out.append(torch.from_numpy(np.asarray(pil).copy()).permute(2, 0, 1))
    return torch.stack(out) if out else big


def hstack(panels: list[np.ndarray], gap: int = 8, fill: int = 255) -> np.ndarray:
    """Place (H, W, C) panels side by side, top-aligned, converting grey to RGB when mixed."""
    channels = max(p.shape[2] for p in panels)
    panels = [np.repeat(p, channels, axis=2) if p.shape[2] != channels else p for p in panels]
    height = max(p.shape[0] for p in panels)
    width = sum(p.shape[1] for p in panels) + gap * (len(panels) - 1)
    canvas = np.full((height, width, channels), fill, np.uint8)
    x = 0
    for p in panels:
        canvas[: p.shape[0], x : x + p.shape[1]] = p
        x += p.shape[1] + gap
    return canvas


def vstack(panels: list[np.ndarray], gap: int = 8, fill: int = 255) -> np.ndarray:
    rotated = [np.transpose(p, (1, 0, 2)) for p in panels]
    return np.transpose(hstack(rotated, gap, fill), (1, 0, 2))


def parse_seeds(text: str) -> list[int]:
    """'0,3,7-9' -> [0, 3, 7, 8, 9] (StyleGAN's --seeds convention)."""
    seeds: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                lo, hi = part.split("-", 1)
                seeds.extend(range(int(lo), int(hi) + 1))
            else:
                seeds.append(int(part))
        except ValueError:
            raise DcganError(f"seeds '{text}': expected integers or ranges like '0,3,7-9'") from None
    if not seeds:
        raise DcganError(f"seeds '{text}': no seed given")
    return seeds


def real_images(cfg: Config, name: str = "", path: str = "", split: str = "", count: int = 0,
                seed: int = 0) -> torch.Tensor:
    """Real images at the model's resolution/channels as uint8 (N, C, H, W): the checkpoint's own
    dataset unless ``name``/``path`` say otherwise; ``count`` > 0 draws that many at random (seeded)."""
    same_data = not name or name == cfg.data.name
    dataset = open_dataset(name or cfg.data.name, resolution=cfg.model.resolution, channels=cfg.model.channels,
                           split=split or cfg.data.split, path=path or (cfg.data.path if same_data else ""))
    return materialise(dataset, random_indices(len(dataset), count, seed))[0]


def titled(panel: np.ndarray, title: str, height: int = 16) -> np.ndarray:
    """Put a one-line caption above a (H, W, C) panel."""
    rgb = np.repeat(panel, 3, axis=2) if panel.shape[2] == 1 else panel
    strip = Image.new("RGB", (rgb.shape[1], height), (255, 255, 255))
    ImageDraw.Draw(strip).text((2, 1), title, fill=(0, 0, 0), font=_font(height - 4))
    return np.concatenate([np.asarray(strip), rgb], axis=0)
