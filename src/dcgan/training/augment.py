"""Differentiable augmentation of what D sees, for small datasets (``train.augment``).

With a few hundred or thousand images, D memorises its training set: its loss on real images goes
to zero, its gradients stop telling G anything useful, and samples get worse after an early best.
The field's two standard cures, both applied to *every* image D sees (real and generated, in D's
step and in G's), so that D never sees an un-augmented image and G is not pushed to draw the
augmentations:

- ``diffaug``: DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN
  Training"), policy colour + translation + cutout, every transform on every image, always.
- ``ada``: adaptive discriminator augmentation (Karras et al. 2020, "Training Generative
  Adversarial Networks with Limited Data"): each transform applied to each image with probability
  ``p``; ``p`` starts at 0 and moves by ``batch / (ada_kimg * 1000)`` per image shown, up while the
  overfitting heuristic ``r_t = E[sign(D(x_real))]`` exceeds ``train.ada_target`` (0.6), down
  while it is below. Transforms: x-flip, 90-degree rotations, integer translation (the paper's
  "pixel blitting") and brightness, contrast, saturation (its "colour"); its geometric filters
  (arbitrary rotation, scaling) are left out.

Every transform here is a multiplication, an addition or an index gather, so gradients flow to G
through them. Random draws come from a ``torch.Generator`` on the CPU (seeded from the run seed,
saved in checkpoints), then move to the images' device: the same seed gives the same augmentation
on CPU and CUDA, and resume is exact. ``p`` is a device tensor updated on the device, so ADA adds
no host-device synchronisation.
"""

from __future__ import annotations

from typing import Any

import torch

from dcgan.config import AUGMENTS

TRANSLATE_FRACTION = 0.125  # shift up to 1/8 of the image side (both papers)
CUTOUT_FRACTION = 0.5  # cutout square side, as a fraction of the image side (DiffAugment)
ADA_ADJUST_EVERY = 4  # steps between updates of p (StyleGAN2-ADA: every 4 minibatches)


def _uniform(n: int, gen: torch.Generator, like: torch.Tensor, low: float = 0.0, high: float = 1.0) -> torch.Tensor:
    """(n, 1, 1, 1) uniform draws from the CPU generator, on the images' device, in float32."""
    u = torch.rand(n, 1, 1, 1, generator=gen)
    return (low + (high - low) * u).to(like.device)


def brightness(x: torch.Tensor, gen: torch.Generator, apply: torch.Tensor | None = None) -> torch.Tensor:
    """Add U(-0.5, 0.5) to every pixel of an image ([-1, 1] images: a quarter of the range)."""
    delta = _uniform(len(x), gen, x, -0.5, 0.5)
    return x + (delta if apply is None else delta * apply)


def saturation(x: torch.Tensor, gen: torch.Generator, apply: torch.Tensor | None = None) -> torch.Tensor:
    """Scale each pixel's distance from its grey value by U(0, 2)."""
    factor = _uniform(len(x), gen, x, 0.0, 2.0)
    if apply is not None:
        factor = 1 + (factor - 1) * apply
    grey = x.mean(dim=1, keepdim=True)
    return grey + (x - grey) * factor


def contrast(x: torch.Tensor, gen: torch.Generator, apply: torch.Tensor | None = None) -> torch.Tensor:
    """Scale each image's distance from its mean by U(0.5, 1.5)."""
    factor = _uniform(len(x), gen, x, 0.5, 1.5)
    if apply is not None:
        factor = 1 + (factor - 1) * apply
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return mean + (x - mean) * factor


def translate(x: torch.Tensor, gen: torch.Generator, apply: torch.Tensor | None = None) -> torch.Tensor:
    """Shift each image by whole pixels, up to 1/8 of its side in x and y; the uncovered border is 0
    (mid-grey). A gather from a zero-padded copy, so the gradient reaches the shifted pixels."""
    n, _, h, w = x.shape
    pad = max(1, int(round(min(h, w) * TRANSLATE_FRACTION)))
    shift = torch.randint(-pad, pad + 1, (n, 2), generator=gen).to(x.device)
    if apply is not None:  # on the device: moving ``apply`` to the CPU would sync every step
        shift = shift * apply.reshape(n, 1).long()
    padded = torch.nn.functional.pad(x, (pad, pad, pad, pad))
    rows = torch.arange(h, device=x.device)[None, :] + pad - shift[:, :1]  # (n, h)
    cols = torch.arange(w, device=x.device)[None, :] + pad - shift[:, 1:]  # (n, w)
    batch = torch.arange(n, device=x.device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]  # (n, h, w, c)
    return out.permute(0, 3, 1, 2)


def cutout(x: torch.Tensor, gen: torch.Generator, apply: torch.Tensor | None = None) -> torch.Tensor:
    """Zero (mid-grey) one square of half the image side at a random place (it may overhang the edge)."""
    n, _, h, w = x.shape
    size_h, size_w = int(h * CUTOUT_FRACTION + 0.5), int(w * CUTOUT_FRACTION + 0.5)
    centre = torch.stack([torch.randint(0, h + (1 - size_h % 2), (n,), generator=gen),
                          torch.randint(0, w + (1 - size_w % 2), (n,), generator=gen)], dim=1).to(x.device)
    ys = torch.arange(h, device=x.device)[None, :]
    xs = torch.arange(w, device=x.device)[None, :]
    inside_y = (ys - centre[:, :1] + size_h // 2 >= 0) & (ys - centre[:, :1] + size_h // 2 < size_h)  # (n, h)
    inside_x = (xs - centre[:, 1:] + size_w // 2 >= 0) & (xs - centre[:, 1:] + size_w // 2 < size_w)  # (n, w)
    hole = (inside_y[:, :, None] & inside_x[:, None, :])[:, None]  # (n, 1, h, w)
    if apply is not None:
        hole = hole & apply.bool()
    return x * (~hole).to(x.dtype)


def xflip(x: torch.Tensor, gen: torch.Generator, apply: torch.Tensor) -> torch.Tensor:
    """Mirror the images picked by ``apply`` left-right."""
    return torch.where(apply.bool(), x.flip(3), x)


def rotate90(x: torch.Tensor, gen: torch.Generator, apply: torch.Tensor) -> torch.Tensor:
    """Rotate the images picked by ``apply`` by 90, 180 or 270 degrees (square images)."""
    quarter = torch.randint(1, 4, (len(x), 1, 1, 1), generator=gen).to(x.device) * apply.long()
    out = x
    for k in (1, 2, 3):
        out = torch.where(quarter == k, torch.rot90(x, k, dims=(2, 3)), out)
    return out


DIFFAUG_POLICY = (brightness, saturation, contrast, translate, cutout)
ADA_PIPELINE = (xflip, rotate90, translate, brightness, contrast, saturation)


class Augment:
    """``augment(images) -> images`` with the kind's transforms; ``observe(real_logits)`` feeds ADA's
    heuristic (a no-op for the other kinds). Its state (generator, p) goes into checkpoints."""

    def __init__(self, kind: str = "none", seed: int = 0, device: str | torch.device = "cpu",
                 ada_target: float = 0.6, ada_kimg: float = 100.0, batch_size: int = 128):
        if kind not in AUGMENTS:
            raise ValueError(f"augment kind '{kind}': use one of {', '.join(AUGMENTS)}")
        self.kind, self.target = kind, ada_target
        self.gen = torch.Generator().manual_seed(seed + 40_009)
        self.p = torch.zeros((), device=device)  # ADA's probability; stays 0 for the other kinds
        # p's step per adjustment: ADA_ADJUST_EVERY batches out of the images it takes p from 0 to 1
        self.p_step = ADA_ADJUST_EVERY * batch_size / max(ada_kimg * 1000.0, 1.0)
        self.sign_sum = torch.zeros((), device=device)
        self.sign_count = torch.zeros((), device=device)
        self.batches_seen = 0

    @property
    def enabled(self) -> bool:
        return self.kind != "none"

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind == "none":
            return x
        if self.kind == "diffaug":
            for transform in DIFFAUG_POLICY:
                x = transform(x, self.gen)
        else:
            for transform in ADA_PIPELINE:
                # each transform on each image with probability p (compared on the device: no sync)
                u = torch.rand(len(x), 1, 1, 1, generator=self.gen).to(x.device)
                x = transform(x, self.gen, (u < self.p).to(x.dtype))
        return x

    @torch.no_grad()
    def observe(self, real_logits: torch.Tensor) -> None:
        """ADA: accumulate sign(D(x_real)); every ``ADA_ADJUST_EVERY`` batches move p towards keeping
        ``r_t = E[sign]`` at the target. All on the device."""
        if self.kind != "ada":
            return
        self.sign_sum += torch.sign(real_logits.detach().float()).sum()
        self.sign_count += real_logits.numel()
        self.batches_seen += 1
        if self.batches_seen % ADA_ADJUST_EVERY == 0:
            r_t = self.sign_sum / self.sign_count.clamp(min=1)
            self.p.copy_((self.p + torch.sign(r_t - self.target) * self.p_step).clamp(0.0, 1.0))
            self.sign_sum.zero_()
            self.sign_count.zero_()

    def state_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "gen": self.gen.get_state(), "p": float(self.p), "batches_seen": self.batches_seen,
                "sign_sum": float(self.sign_sum), "sign_count": float(self.sign_count)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("kind") != self.kind:  # a resumed run that changes train.augment starts it afresh
            return
        self.gen.set_state(state["gen"])
        self.p.fill_(float(state["p"]))
        self.sign_sum.fill_(float(state.get("sign_sum", 0.0)))
        self.sign_count.fill_(float(state.get("sign_count", 0.0)))
        self.batches_seen = int(state.get("batches_seen", 0))
