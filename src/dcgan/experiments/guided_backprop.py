"""What the discriminator sees (paper §6.2, Figure 5): guided backpropagation (Springenberg et
al. 2014, "Striving for simplicity") of the strongest responses of features in D's last conv
layer on real images, for the trained D beside a randomly initialised one, plus first-layer filters.

Guided backpropagation differs from the plain gradient only at rectifiers: on the way back a
(Leaky)ReLU passes a gradient only where its input was positive (as backprop does for ReLU) *and*
the gradient itself is positive (as the "deconvnet" does). LeakyReLU is treated like ReLU on the way
back, so a negative input passes nothing. The forward pass is unchanged.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dcgan.core.run import Networks
from dcgan.data.types import to_model_range
from dcgan.experiments.common import display_scale, grid_array, hstack, save_image, titled, vstack, write_summary


class GuidedRectifier(torch.autograd.Function):
    """Forward: ReLU (slope 0) or LeakyReLU; backward: ``grad.clamp(min=0) * (input > 0)``."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, negative_slope: float = 0.0) -> torch.Tensor:
        ctx.save_for_backward(x)
        return F.leaky_relu(x, negative_slope) if negative_slope else F.relu(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (x,) = ctx.saved_tensors
        return grad.clamp(min=0) * (x > 0).to(grad.dtype), None


class GuidedActivation(nn.Module):
    def __init__(self, negative_slope: float = 0.0):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return GuidedRectifier.apply(x, self.negative_slope)


def guided_copy(model: nn.Module) -> nn.Module:
    """A deep copy of ``model`` (eval mode) whose ReLU/LeakyReLU modules use guided backward passes;
    the original is left untouched."""
    guided = copy.deepcopy(model).eval()
    for parent in list(guided.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.LeakyReLU):
                setattr(parent, name, GuidedActivation(child.negative_slope))
            elif isinstance(child, nn.ReLU):
                setattr(parent, name, GuidedActivation(0.0))
    return guided


def last_features(discriminator: nn.Module, x: torch.Tensor) -> torch.Tensor:
    return discriminator.features(x)[-1]


@torch.no_grad()
def strongest_responses(discriminator: nn.Module, images: torch.Tensor, k: int, per_channel: int,
                        batch_size: int = 256) -> list[dict]:
    """The ``k`` channels of D's last conv layer with the largest activation over ``images`` (float,
    [-1, 1]) and, for each, its ``per_channel`` largest responses on distinct images (image index, y, x)."""
    device = next(discriminator.parameters()).device
    acts = torch.cat([last_features(discriminator, images[i : i + batch_size].to(device)).float().cpu()
                      for i in range(0, images.shape[0], batch_size)])  # (N, C, h, w)
    n, c, h, w = acts.shape
    per_image = acts.flatten(2).max(dim=2)  # best position per image and channel
    channel_max = per_image.values.max(dim=0).values  # (C,)
    top = torch.argsort(channel_max, descending=True)[:k]
    out = []
    for ch in top.tolist():
        values, order = torch.sort(per_image.values[:, ch], descending=True)
        picks = []
        for img in order[:per_channel].tolist():
            y, x = divmod(int(per_image.indices[img, ch]), w)
            picks.append({"image": img, "y": y, "x": x, "activation": float(acts[img, ch, y, x])})
        out.append({"channel": ch, "max_activation": float(channel_max[ch]), "responses": picks})
    return out


def guided_gradients(model: nn.Module, images: torch.Tensor, targets: list[tuple[int, int, int, int]],
                     features=last_features) -> torch.Tensor:
    """d activation / d input through the guided copy of ``model``, one map per target
    ``(image, channel, y, x)``: (T, C, H, W). Each target gets its own copy of its image, so one
    backward pass gives all of them (eval-mode BatchNorm keeps the samples independent)."""
    guided = guided_copy(model)
    device = next(guided.parameters()).device
    x = images[[t[0] for t in targets]].to(device).clone().requires_grad_(True)
    acts = features(guided, x)
    index = torch.arange(len(targets), device=device)
    chosen = acts[index, [t[1] for t in targets], [t[2] for t in targets], [t[3] for t in targets]]
    (grad,) = torch.autograd.grad(chosen.sum(), x)
    return grad.detach().cpu()


def gradient_to_uint8(grad: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) float -> uint8, each map scaled by its own max |value|; grey 128 means zero."""
    scale = grad.abs().flatten(1).max(dim=1).values.clamp_min(1e-12).view(-1, 1, 1, 1)
    return ((grad / scale) * 127.5 + 127.5).round().clamp(0, 255).to(torch.uint8)


def filters_to_uint8(weight: torch.Tensor) -> torch.Tensor:
    """First-layer conv weights (C_out, C_in, k, k) -> uint8 images, each filter min-max scaled;
    only the first 3 input channels are shown when there are more than 3 (or 1 when 2)."""
    w = weight.detach().float().cpu()
    w = w[:, :3] if w.shape[1] >= 3 else w[:, :1]
    lo = w.flatten(1).min(dim=1).values.view(-1, 1, 1, 1)
    hi = w.flatten(1).max(dim=1).values.view(-1, 1, 1, 1)
    return ((w - lo) / (hi - lo).clamp_min(1e-12) * 255).round().to(torch.uint8)


def _panel(images_uint8: torch.Tensor, responses: list[dict], grads: torch.Tensor, scale: int) -> np.ndarray:
    """One row per channel: (image, guided gradient) pairs for its strongest responses."""
    cells = []
    g = 0
    per_row = max(len(r["responses"]) for r in responses)
    for r in responses:
        row = []
        for pick in r["responses"]:
            image = images_uint8[pick["image"]]
            grad = grads[g]
            g += 1
            row += [image, grad]
        while len(row) < 2 * per_row:
            row.append(torch.full_like(images_uint8[0], 255))
        cells += row
    return grid_array(torch.stack(cells), nrow=2 * per_row, scale=scale)


def guided_experiment(nets: Networks, random_d: nn.Module, images_uint8: torch.Tensor, out_dir: Path, k: int = 6,
                      per_channel: int = 4, random_seed: int = 1) -> dict:
    """Write ``guided.png`` (trained D above, random D below; rows = top channels, each response as
    an (image, guided gradient) pair), ``filters.png`` (first-layer filters: trained | random)."""
    images = to_model_range(images_uint8)
    scale = display_scale(nets.config.model.resolution)
    panels, summaries = [], {}
    for name, d in (("trained", nets.discriminator), ("random", random_d)):
        d.eval()
        responses = strongest_responses(d, images, k, per_channel)
        targets = [(p["image"], r["channel"], p["y"], p["x"]) for r in responses for p in r["responses"]]
        grads = guided_gradients(d, images, targets)
        panels.append(titled(_panel(images_uint8, responses, gradient_to_uint8(grads), scale), f"{name} D"))
        summaries[name] = {"top_channels": responses,
                           "positive_input_gradient_fraction": float((grads > 0).float().mean())}
    save_image(vstack(panels, gap=16), out_dir / "guided.png")

    filter_panels = []
    for name, d in (("trained D", nets.discriminator), ("random D", random_d)):
        conv = next(m for m in d.modules() if isinstance(m, nn.Conv2d))
        filters = filters_to_uint8(conv.weight)
        fscale = max(1, 48 // filters.shape[-1])
        grid = grid_array(filters, nrow=int(np.ceil(np.sqrt(filters.shape[0]))), scale=fscale)
        filter_panels.append(titled(grid, name))
    save_image(hstack(filter_panels, gap=16), out_dir / "filters.png")

    summary = {
        "experiment": "guided",
        "checkpoint": str(nets.checkpoint),
        "images": int(images.shape[0]),
        "k": k,
        "per_channel": per_channel,
        "random_discriminator_seed": random_seed,
        "trained": summaries["trained"],
        "random": summaries["random"],
        "layout": {"guided.png": "top: trained D, bottom: random D; one row per top channel of the last conv "
                                 "layer, (real image, guided gradient) pairs for its strongest responses",
                   "filters.png": "first-layer filters, trained D (left) and random D (right)"},
        "files": ["guided.png", "filters.png"],
    }
    write_summary(out_dir, summary)
    return summary
