"""Forgetting to draw certain objects (paper §6.3.1, Figure 6).

Boxes are drawn around an object (windows, in the paper: 52 boxes on 150 samples) on generated
samples. On the generator's second-highest convolution layer (the output of ``G.blocks[-2]``, the
input of the last, image-making block) a logistic regression learns whether a feature activation
lies on the object: the activation vectors at positions inside boxes are positives, random
positions outside the boxes of the same images are negatives. Every feature map whose weight is
greater than zero is then dropped (zeroed at all spatial positions, by a forward hook) and new
samples are drawn from the same z with and without the drop: the object should fade or turn into
something else while the scene's layout stays.

Boxes file (JSON; ``dcgan explore sheet`` writes a template beside a numbered sheet)::

    {"sheet": {"seed": 0, "n": 64},            # which numbered sheet the indices refer to
     "boxes": {"12": [[x0, y0, x1, y1], ...]},  # sheet index -> boxes in sample pixels, x1/y1 exclusive
     "seed_boxes": {"123": [[...]]}}            # optional: seed -> boxes, z = seeded_z(seed, 1)[0]

A feature position counts as inside a box when its receptive-field centre (in sample pixels) is;
a box too small to hold any centre claims the position under its own centre.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from dcgan import DcganError
from dcgan.core.run import Networks
from dcgan.experiments.common import display_scale, draw_boxes, grid_array, save_image, upscale, vstack, write_summary
from dcgan.experiments.sheets import sheet_z
from dcgan.sampling import bn_mode, generate, seeded_z

Box = list[float]


@dataclass
class BoxedSamples:
    """Annotated samples: their z (N, D), boxes per sample, and a label per sample for the summary."""

    z: torch.Tensor
    boxes: list[list[Box]]
    names: list[str]


def _check_box(box, resolution: int, where: str) -> Box:
    if not isinstance(box, (list, tuple)) or len(box) != 4:
        raise DcganError(f"{where}: a box is [x0, y0, x1, y1], got {box!r}")
    try:
        x0, y0, x1, y1 = (float(v) for v in box)
    except (TypeError, ValueError):
        raise DcganError(f"{where}: box {box!r} holds a non-number") from None
    if not (0 <= x0 < x1 <= resolution and 0 <= y0 < y1 <= resolution):
        raise DcganError(f"{where}: box {box!r} must satisfy 0 <= x0 < x1 <= {resolution} and 0 <= y0 < y1 <= {resolution}")
    return [x0, y0, x1, y1]


def load_boxes(path: str | Path, z_dim: int, dist: str, resolution: int) -> BoxedSamples:
    """Read a boxes file (module docstring) into z's and boxes, validating every entry."""
    path = Path(path)
    if not path.is_file():
        raise DcganError(f"boxes file '{path}' does not exist (make a template with `dcgan explore sheet`)")
    try:
        spec = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DcganError(f"boxes file '{path}' is not valid JSON: {exc}") from None
    if not isinstance(spec, dict):
        raise DcganError(f"boxes file '{path}' must hold a JSON object")
    if spec.get("resolution") not in (None, resolution):
        raise DcganError(f"boxes file '{path}' was made for {spec['resolution']} px samples; this generator makes {resolution} px")
    zs, boxes, names = [], [], []
    sheet_boxes = spec.get("boxes") or {}
    if sheet_boxes:
        sheet = spec.get("sheet") or {}
        if "seed" not in sheet or "n" not in sheet:
            raise DcganError(f"boxes file '{path}': 'boxes' needs \"sheet\": {{\"seed\": S, \"n\": N}}")
        z_sheet = sheet_z(int(sheet["seed"]), int(sheet["n"]), z_dim, dist)
        for key, items in sheet_boxes.items():
            try:
                index = int(key)
            except ValueError:
                raise DcganError(f"boxes file '{path}': key '{key}' is not a sheet index") from None
            if not 0 <= index < z_sheet.shape[0]:
                raise DcganError(f"boxes file '{path}': index {index} is not on the sheet of {z_sheet.shape[0]}")
            zs.append(z_sheet[index])
            boxes.append([_check_box(b, resolution, f"{path} [{key}]") for b in items])
            names.append(f"{sheet['seed']}:{index}")
    for key, items in (spec.get("seed_boxes") or {}).items():
        try:
            seed = int(key)
        except ValueError:
            raise DcganError(f"boxes file '{path}': seed_boxes key '{key}' is not a seed") from None
        zs.append(seeded_z(seed, 1, z_dim, dist)[0])
        boxes.append([_check_box(b, resolution, f"{path} [seed {key}]") for b in items])
        names.append(f"seed={seed}")
    if not any(boxes):
        raise DcganError(f"boxes file '{path}' holds no boxes")
    return BoxedSamples(torch.stack(zs), boxes, names)


def box_mask(boxes: list[Box], resolution: int, size: int) -> np.ndarray:
    """Boxes in sample pixels -> bool (size, size) over a feature map covering the whole image."""
    stride = resolution / size
    centres = (np.arange(size) + 0.5) * stride
    mask = np.zeros((size, size), bool)
    for x0, y0, x1, y1 in boxes:
        rows = (centres >= y0) & (centres < y1)
        cols = (centres >= x0) & (centres < x1)
        if not rows.any():
            rows[min(size - 1, int((y0 + y1) / 2 / stride))] = True
        if not cols.any():
            cols[min(size - 1, int((x0 + x1) / 2 / stride))] = True
        mask |= rows[:, None] & cols[None, :]
    return mask


def forget_layer(generator: nn.Module) -> nn.Module:
    """The second-highest conv layer of G: the block whose output feeds the last (image) block."""
    blocks = getattr(generator, "blocks", None)
    if blocks is None or len(blocks) < 2:
        raise DcganError("this generator has no 'blocks' with at least two layers to drop feature maps from")
    return blocks[-2]


@torch.no_grad()
def layer_activations(generator: nn.Module, layer: nn.Module, z: torch.Tensor, bn: str = "running") -> torch.Tensor:
    """Output of ``layer`` (N, C, h, w) for z, on the CPU."""
    captured = []
    handle = layer.register_forward_hook(lambda _m, _i, out: captured.append(out.detach().float().cpu().clone()))
    try:
        device = next(generator.parameters()).device
        with bn_mode(generator, bn):
            generator(z.to(device))
    finally:
        handle.remove()
    return captured[0]


def training_data(acts: torch.Tensor, masks: list[np.ndarray], negatives_per_positive: float,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Positives: activation vectors at every position inside a box; negatives: positions drawn at
    random (without replacement) from outside the boxes of the same images."""
    feats = acts.permute(0, 2, 3, 1).numpy()  # (N, h, w, C)
    inside = np.stack(masks)
    pos = feats[inside]
    outside = np.argwhere(~inside)
    count = min(len(outside), max(1, int(round(negatives_per_positive * len(pos)))))
    pick = outside[rng.choice(len(outside), size=count, replace=False)]
    neg = feats[pick[:, 0], pick[:, 1], pick[:, 2]]
    x = np.concatenate([pos, neg]).astype(np.float64)
    y = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))]).astype(int)
    return x, y


def fit_classifier(x: np.ndarray, y: np.ndarray, c: float = 1.0, seed: int = 0):
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(y)) < 2:
        raise DcganError("logistic regression needs positions both inside and outside boxes")
    return LogisticRegression(C=c, max_iter=5000, random_state=seed).fit(x, y)


def maps_to_drop(weights: np.ndarray, threshold: float = 0.0) -> list[int]:
    """Feature maps whose weight is greater than ``threshold`` (the paper: > 0)."""
    return [int(i) for i in np.flatnonzero(np.asarray(weights).ravel() > threshold)]


@contextlib.contextmanager
def drop_feature_maps(layer: nn.Module, channels: list[int]):
    """Zero ``channels`` of ``layer``'s output at every position while inside the block; the hook
    is removed on exit (also on error). Multiplies by a mask rather than writing in place, since the
    layer's ReLU may be in-place and autograd must see a new tensor."""
    channels = sorted(set(int(c) for c in channels))

    def hook(_module, _inputs, output):
        keep = torch.ones(output.shape[1], dtype=output.dtype, device=output.device)
        keep[channels] = 0
        return output * keep.view(1, -1, 1, 1)

    handle = layer.register_forward_hook(hook)
    try:
        yield channels
    finally:
        handle.remove()


def forget(nets: Networks, boxes_file: str | Path, out_dir: Path, seed: int = 1, n: int = 16, threshold: float = 0.0,
           negatives_per_positive: float = 1.0, c: float = 1.0, bn: str = "running") -> dict:
    """Fit, drop, and draw: ``forget.png`` (new samples: rows without / with the drop, in pairs),
    ``boxed.png`` (the annotated samples with their boxes / with the drop)."""
    res = nets.config.model.resolution
    g = nets.generator
    layer = forget_layer(g)
    boxed = load_boxes(boxes_file, nets.z_dim, nets.z_dist, res)
    acts = layer_activations(g, layer, boxed.z, bn)
    size = acts.shape[-1]
    masks = [box_mask(b, res, size) for b in boxed.boxes]
    x, y = training_data(acts, masks, negatives_per_positive, np.random.default_rng(seed))
    clf = fit_classifier(x, y, c, seed)
    dropped = maps_to_drop(clf.coef_, threshold)

    z_new = seeded_z(seed, n, nets.z_dim, nets.z_dist)
    before = generate(g, z_new, bn=bn)
    before_boxed = generate(g, boxed.z, bn=bn)
    with drop_feature_maps(layer, dropped):
        after = generate(g, z_new, bn=bn)
        after_boxed = generate(g, boxed.z, bn=bn)

    scale = display_scale(res)
    per_row = min(n, 8)
    pairs = [torch.cat([before[i : i + per_row], after[i : i + per_row]]) for i in range(0, n, per_row)]
    save_image(vstack([grid_array(p, nrow=per_row, scale=scale) for p in pairs], gap=10), out_dir / "forget.png")
    k = len(boxed.names)
    shown = min(k, 16)
    overlay = draw_boxes(before_boxed[:shown], boxed.boxes[:shown], scale)
    after_rgb = upscale(after_boxed[:shown], scale).expand(-1, 3, -1, -1)
    panel = torch.cat([overlay, after_rgb])
    save_image(grid_array(panel, nrow=shown), out_dir / "boxed.png")

    # How much the drop changes pixels inside the boxes vs outside, on the annotated samples.
    pixel_masks = torch.from_numpy(np.stack([box_mask(b, res, res) for b in boxed.boxes]))[:, None]
    delta = (after_boxed.float() - before_boxed.float()).abs().mean(dim=1, keepdim=True)
    inside_change = float(delta[pixel_masks].mean()) if pixel_masks.any() else float("nan")
    outside_change = float(delta[~pixel_masks].mean())
    summary = {
        "experiment": "forget",
        "checkpoint": str(nets.checkpoint),
        "boxes_file": str(boxes_file),
        "annotated_samples": k,
        "boxes": sum(len(b) for b in boxed.boxes),
        "layer": f"G.blocks[{len(g.blocks) - 2}] output ({acts.shape[1]} maps of {size}x{size})",
        "positives": int(y.sum()),
        "negatives": int((y == 0).sum()),
        "train_accuracy": float(clf.score(x, y)),
        "threshold": threshold,
        "maps_dropped": len(dropped),
        "maps_total": int(acts.shape[1]),
        "dropped_channels": dropped,
        "mean_abs_pixel_change_inside_boxes": inside_change,
        "mean_abs_pixel_change_outside_boxes": outside_change,
        "seed": seed,
        "n": n,
        "bn": bn,
        "layout": {"forget.png": "pairs of rows: new samples without the drop, then the same z with it",
                   "boxed.png": "top: annotated samples with their boxes; bottom: the same z with the drop"},
        "files": ["forget.png", "boxed.png"],
    }
    write_summary(out_dir, summary)
    return summary
