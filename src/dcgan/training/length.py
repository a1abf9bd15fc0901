"""How long a run trains: in generator steps, from whichever length the config gives.

Precedence: ``train.max_steps`` > 0, else ``train.kimg`` > 0 (thousands of real images shown to D,
the length unit of StyleGAN's and ADA's papers: it means the same at any dataset size), else
``train.epochs`` > 0, else ``auto``: the paper-style 5 epochs, but never fewer than
``train.min_kimg`` thousand images. Epochs alone give a folder of 2,000 photos 70 steps at batch
128, which draw noise; faces need ~1,500 (issue #37's measurement), hence the floor of 200k images
(1,563 steps). A 60,000-image dataset's 5 epochs (300k images) lie above the floor, so the auto
length of Fashion-MNIST is still the paper-style 5 epochs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dcgan.config import TrainConfig

AUTO_EPOCHS = 5.0


@dataclass(frozen=True)
class Length:
    steps: int  # generator steps
    images: int  # real images shown to D over the run (all processes)
    why: str  # which setting decided, for the start line

    def describe(self) -> str:
        return f"{self.steps:,} steps = {self.images / 1000:,.0f}k images ({self.why})"


def plan_length(t: TrainConfig, batches_per_epoch: int, world_size: int = 1) -> Length:
    """The run's length; ``batches_per_epoch`` is per process (``data.loader.BatchStream``)."""
    images_per_step = t.batch_size * t.d_steps * world_size
    images_per_epoch = batches_per_epoch * t.batch_size * world_size

    def steps_for_images(images: float) -> int:
        return max(1, math.ceil(images / images_per_step))

    if t.max_steps > 0:
        steps, why = t.max_steps, "train.max_steps"
    elif t.kimg > 0:
        steps, why = steps_for_images(t.kimg * 1000), f"train.kimg={t.kimg:g}"
    elif t.epochs > 0:
        steps, why = steps_for_images(t.epochs * images_per_epoch), f"train.epochs={t.epochs:g}"
    else:
        by_epochs = steps_for_images(AUTO_EPOCHS * images_per_epoch)
        floor = steps_for_images(t.min_kimg * 1000)
        if by_epochs >= floor:
            steps, why = by_epochs, f"auto: {AUTO_EPOCHS:g} epochs"
        else:
            epochs = floor * images_per_step / images_per_epoch
            steps, why = floor, f"auto: {AUTO_EPOCHS:g} epochs is under train.min_kimg={t.min_kimg:g}, so {epochs:,.0f} epochs"
    return Length(steps, steps * images_per_step, why)
