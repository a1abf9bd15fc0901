"""One generator iteration of Goodfellow et al. (2014), Algorithm 1, separate from the loop.

For each of ``k`` discriminator steps: a minibatch of real images and one of noise, an Adam
step on D's loss. Then one Adam step on G's non-saturating loss. Real and fake images go
through D in *separate* forward passes, so each BatchNorm sees an all-real or all-fake batch
(mixing them in one batch breaks the game; see the reading notes).

The G step reuses the fake batch of the last D step (as the PyTorch example does), saving a
generator forward pass. D's parameters are frozen during the G step, so no weight gradients
are computed for them. Statistics are returned as device tensors: reading them forces a
host-device synchronisation, so the loop reads them only at logging ticks.

Class-aware variant (``num_classes > 0``, AC-GAN; models/conditional.py): G gets the fake
labels, D's output carries class logits after its real/fake logit, and both losses add the
auxiliary cross-entropy (D: on real images with their labels and on fakes with theirs; G: on
its fakes).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from dcgan.core.device import Precision
from dcgan.models.conditional import split_logits
from dcgan.training.augment import Augment
from dcgan.training.losses import classification_loss, discriminator_loss, generator_loss


@dataclass
class StepStats:
    loss_d: torch.Tensor
    loss_g: torch.Tensor
    d_real: torch.Tensor  # mean D(x), a probability
    d_fake: torch.Tensor  # mean D(G(z)) seen by the D step
    loss_cls: torch.Tensor | None = None  # class-aware D: auxiliary cross-entropy on real images
    acc_real: torch.Tensor | None = None  # class-aware D: its accuracy on real images' labels

    def as_tensor(self) -> torch.Tensor:
        extra = [self.loss_cls, self.acc_real] if self.loss_cls is not None else []
        return torch.stack([self.loss_d, self.loss_g, self.d_real, self.d_fake, *extra]).detach()


STAT_NAMES = ("loss_d", "loss_g", "d_real", "d_fake")
CLASS_STAT_NAMES = ("loss_cls", "acc_real")


def set_requires_grad(module: nn.Module, flag: bool) -> None:
    for p in module.parameters():
        p.requires_grad_(flag)


class GANStep:
    """Callable: ``step(real_batches, z_batches) -> StepStats``; one entry per D step."""

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        opt_g: torch.optim.Optimizer,
        opt_d: torch.optim.Optimizer,
        precision: Precision,
        channels_last: bool = False,
        discriminator_for_g: nn.Module | None = None,
        num_classes: int = 0,
        augment: Augment | None = None,
    ):
        self.G, self.D, self.opt_g, self.opt_d = generator, discriminator, opt_g, opt_d
        self.num_classes = num_classes
        self.stat_names = STAT_NAMES + (CLASS_STAT_NAMES if num_classes > 0 else ())
        self.class_stats: tuple[torch.Tensor, torch.Tensor] | None = None  # set by a class-aware D step
        # Under DDP the G step must bypass D's wrapper: D is frozen there and not updated,
        # so there is nothing of D's to all-reduce (and DDP would wait for its gradients).
        self.D_for_g = discriminator_for_g if discriminator_for_g is not None else discriminator
        self.precision = precision
        # every image D sees, real or fake, in D's step and in G's, goes through it (training/augment.py)
        self.augment = augment if augment is not None else Augment("none")
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        use_scaler = precision.name == "fp16"
        self.scaler_d = torch.amp.GradScaler("cuda", enabled=use_scaler)
        self.scaler_g = torch.amp.GradScaler("cuda", enabled=use_scaler)

    def _seen_by_d(self, images: torch.Tensor) -> torch.Tensor:
        return self.augment(images).contiguous(memory_format=self.memory_format)

    def _d_step(
        self, real: torch.Tensor, z: torch.Tensor, keep_graph: bool, y_real=None, y_fake=None
    ) -> tuple[torch.Tensor, ...]:
        with self.precision.autocast(), torch.set_grad_enabled(keep_graph):
            # the G step reuses the last fake, so only that one keeps its graph
            fake = self.G(z) if y_fake is None else self.G(z, y_fake)
        with self.precision.autocast():
            real_logits, real_cls = split_logits(self.D(self._seen_by_d(real)))
            fake_logits, fake_cls = split_logits(self.D(self._seen_by_d(fake.detach())))
        self.augment.observe(real_logits)
        loss_d = discriminator_loss(real_logits, fake_logits)
        if real_cls is not None:
            loss_cls = classification_loss(real_cls, y_real)
            loss_d = loss_d + loss_cls + classification_loss(fake_cls, y_fake)
            self.class_stats = (loss_cls.detach(), (real_cls.detach().argmax(1) == y_real).float().mean())
        self.opt_d.zero_grad(set_to_none=True)
        self.scaler_d.scale(loss_d).backward()
        self.scaler_d.step(self.opt_d)
        self.scaler_d.update()
        d_real = torch.sigmoid(real_logits.detach().float()).mean()
        d_fake = torch.sigmoid(fake_logits.detach().float()).mean()
        return fake, loss_d.detach(), d_real, d_fake

    def _g_step(self, fake: torch.Tensor, y_fake: torch.Tensor | None = None) -> torch.Tensor:
        set_requires_grad(self.D, False)
        try:
            with self.precision.autocast():
                logits, fake_cls = split_logits(self.D_for_g(self._seen_by_d(fake)))
            loss_g = generator_loss(logits)
            if fake_cls is not None:
                loss_g = loss_g + classification_loss(fake_cls, y_fake)
            self.opt_g.zero_grad(set_to_none=True)
            self.scaler_g.scale(loss_g).backward()
            self.scaler_g.step(self.opt_g)
            self.scaler_g.update()
        finally:
            set_requires_grad(self.D, True)
        return loss_g.detach()

    def __call__(
        self,
        real_batches: list[torch.Tensor],
        z_batches: list[torch.Tensor],
        label_batches: list[torch.Tensor] | None = None,
        fake_label_batches: list[torch.Tensor] | None = None,
    ) -> StepStats:
        """One entry per D step; with ``num_classes > 0`` also the real images' labels and the
        labels the fakes are made for (int64 (N,) on the device)."""
        assert len(real_batches) == len(z_batches) >= 1
        if self.num_classes > 0 and (label_batches is None or fake_label_batches is None):
            raise ValueError("a class-aware step needs label_batches and fake_label_batches")
        ys = label_batches or [None] * len(real_batches)
        y_fakes = fake_label_batches or [None] * len(real_batches)
        last = len(real_batches) - 1
        for i, (real, z, y, y_fake) in enumerate(zip(real_batches, z_batches, ys, y_fakes)):
            fake, loss_d, d_real, d_fake = self._d_step(real, z, keep_graph=i == last, y_real=y, y_fake=y_fake)
        loss_g = self._g_step(fake, y_fakes[-1])
        if self.num_classes > 0:
            return StepStats(loss_d, loss_g, d_real, d_fake, *self.class_stats)
        return StepStats(loss_d, loss_g, d_real, d_fake)
