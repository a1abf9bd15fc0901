"""A cheap collapse diagnostic per logging tick: how different are the fixed-noise samples?

"Why do all my samples look the same?" is mode collapse (Goodfellow 2016, NIPS tutorial §5.1.1;
the paper's conclusion notes models that "collapse a subset of filters to a single oscillating
mode"). At every tick the loop renders the fixed-noise grid anyway; here its images' mean
pairwise L2 distance (pixels in [-1, 1], flattened) is divided by the same quantity for a fixed
batch of real training images of the same size::

    diversity = mean_{i<j} ||G(z_i) - G(z_j)|| / mean_{i<j} ||x_i - x_j||

About 1 means the samples differ from each other as much as real images do; near 0 means they
are (nearly) all the same image. It is logged as ``diversity`` in ``metrics.jsonl`` and a
warning is printed when it falls below ``train.diversity_warn``. It is a pixel-space measure
(cheap, no feature network): it catches a collapse to one or a few images, not a subtle loss of
modes; for that use recall/coverage (``dcgan evaluate``). At initialisation G's outputs are
almost constant; warnings start at the first logging tick all the same (``WARMUP_STEPS`` = 0): a
run on a small folder whose diversity stayed at 0.04-0.22 for thousands of steps went unwarned
when the check waited 200 steps and the low values were read as the start (issue #37).
"""

from __future__ import annotations

import sys

import torch

from dcgan.data.materialise import materialise
from dcgan.data.types import to_model_range

WARMUP_STEPS = 0  # from the first tick (see the module docstring)
EARLY_STEPS = 500  # before this, the warning says that low diversity is common so early
REAL_BATCH_SEED_OFFSET = 30_011  # which real images form the reference batch (from the run seed)


def mean_pairwise_distance(images: torch.Tensor) -> float:
    """Mean L2 distance over all pairs of images (N >= 2, any shape per image; uint8 taken as pixels
    in [-1, 1])."""
    x = to_model_range(images) if images.dtype == torch.uint8 else images.float()
    x = x.reshape(len(x), -1).double()
    if len(x) < 2:
        raise ValueError("need at least 2 images for a pairwise distance")
    return float(torch.pdist(x).mean())


def real_reference_batch(dataset, n: int, seed: int) -> torch.Tensor:
    """uint8 (min(n, len), C, H, W): a seeded random choice of training images."""
    g = torch.Generator().manual_seed(seed + REAL_BATCH_SEED_OFFSET)
    idx = torch.randperm(len(dataset), generator=g)[: max(2, min(n, len(dataset)))]
    return materialise(dataset, idx)[0]


class DiversityMonitor:
    """``monitor(samples_uint8, step) -> ratio``; warns (to stderr) once each time the ratio drops
    below ``threshold`` (again after it has recovered)."""

    def __init__(self, real_images: torch.Tensor, threshold: float = 0.3, warmup_steps: int = WARMUP_STEPS):
        self.real_distance = mean_pairwise_distance(real_images)
        self.threshold, self.warmup_steps = threshold, warmup_steps
        self.warned = False

    def ratio(self, samples: torch.Tensor) -> float:
        return mean_pairwise_distance(samples) / max(self.real_distance, 1e-12)

    def __call__(self, samples: torch.Tensor, step: int) -> float:
        value = self.ratio(samples)
        low = self.threshold > 0 and value < self.threshold
        if low and step >= self.warmup_steps and not self.warned:
            self.warned = True
            print(
                f"\nwarning: step {step}: fixed-noise samples are much less diverse than real images "
                f"(diversity {value:.2f} < train.diversity_warn={self.threshold}): possible mode collapse. "
                "Look at the latest sample grid; remedies to try: a lower learning rate for G (train.lr_g), "
                "more D steps (train.d_steps), model.mean_channel=true, or an earlier checkpoint."
                + (f" (At step {step} this is common: G's first samples are alike; it matters if it lasts: the"
                   " warning repeats only after the ratio has recovered.)" if step < EARLY_STEPS else ""),
                file=sys.stderr,
            )
        elif not low:
            self.warned = False
        return value
