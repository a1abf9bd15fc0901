"""Class-aware GAN (reading notes: "let D also predict the class"), ``model.num_classes > 0``.

AC-GAN (Odena, Olah & Shlens 2017, "Conditional Image Synthesis with Auxiliary Classifier
GANs"): G takes a class label with the noise, and D has, next to its real/fake logit, an
auxiliary head of ``num_classes`` class logits. D is trained to classify real images by their
true label and fakes by the label they were made for; G is trained to be judged real *and* to be
classified as its label, so it is pushed to draw every class, evenly (the loss is in
``training.losses.classification_loss``; the wiring in ``training.step``).

- ``ConditionalGenerator``: the label enters as a one-hot vector concatenated to z, as in the
  authors' class-conditional MNIST code (``dcgan_code/mnist/train_cond_dcgan.py``, which
  concatenates y to z). The first layer of every registered G is linear, so one-hot + that
  layer *is* a learned class embedding added to the projection of z, at no extra parameters.
  Without labels (``G(z)``) image ``i`` gets class ``i % num_classes``: deterministic and
  balanced, so code written for unconditional G (grids, experiments) still works.
- ``ClassAwareDiscriminator``: wraps any registered D that has ``features(x)`` (its last map is
  what the real/fake ``head`` reads) and adds a linear class head on the same flattened map.
  Output ``(N, 1 + num_classes)``: column 0 the real/fake logit, then the class logits.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from dcgan.config import ModelConfig
from dcgan.sampling import class_labels


def default_labels(n: int, num_classes: int, device: torch.device | str | None = None) -> torch.Tensor:
    """The classes a label-less call draws: the one policy, ``sampling.class_labels``, on ``device``."""
    return class_labels(n, num_classes).to(device)


class ConditionalGenerator(nn.Module):
    """``G(z, labels=None)``: z (N, z_dim), labels (N,) int64 in [0, K) -> images as the inner G."""

    def __init__(self, cfg: ModelConfig, inner: nn.Module):
        super().__init__()
        self.cfg = cfg
        self.num_classes = cfg.num_classes
        self.inner = inner  # built for z_dim + num_classes inputs

    @property
    def blocks(self) -> nn.ModuleList:
        return self.inner.blocks

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if labels is None:
            labels = default_labels(z.shape[0], self.num_classes, z.device)
        if labels.shape != (z.shape[0],):
            raise ValueError(f"labels must have shape ({z.shape[0]},), got {tuple(labels.shape)}")
        onehot = F.one_hot(labels.long(), self.num_classes).to(z.dtype)
        return self.inner(torch.cat([z, onehot], dim=1))


class ClassAwareDiscriminator(nn.Module):
    """x (N, C, H, W) -> (N, 1 + K) logits: real/fake, then the auxiliary classifier's classes."""

    def __init__(self, cfg: ModelConfig, inner: nn.Module):
        super().__init__()
        self.cfg = cfg
        self.num_classes = cfg.num_classes
        self.inner = inner
        self.aux = nn.Linear(_last_feature_size(inner, cfg), cfg.num_classes)

    @property
    def blocks(self) -> nn.ModuleList:
        return self.inner.blocks

    @property
    def head(self) -> nn.Module:
        return self.inner.head

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.inner.features(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = self.inner.features(x)[-1]
        source = self.inner.head(last).reshape(x.shape[0], 1)
        return torch.cat([source, self.aux(last.flatten(1))], dim=1)


@torch.no_grad()
def _last_feature_size(d: nn.Module, cfg: ModelConfig) -> int:
    """Flattened size of D's last feature map, by one forward on a dummy image in eval mode
    (so no BatchNorm statistics are touched)."""
    was_training = d.training
    d.eval()
    try:
        x = torch.zeros(1, cfg.channels, cfg.resolution, cfg.resolution)
        return d.features(x)[-1][0].numel()
    finally:
        d.train(was_training)


def split_logits(logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """D output -> (real/fake logits (N,), class logits (N, K) or None for an unconditional D)."""
    if logits.dim() == 1:
        return logits, None
    return logits[:, 0], logits[:, 1:]


def sampling_labels(num_classes: int, n: int, class_index: int | None = None, per_class: int = 0) -> torch.Tensor | None:
    """Labels for sampling a class-conditional G: all ``class_index``, or ``per_class`` of each class
    in class order (``num_classes * per_class`` images, one class per grid row), else ``None``
    (G's default: ``i % num_classes``). Raises ``ValueError`` naming the problem."""
    if class_index is None and per_class <= 0:
        return None
    if num_classes <= 0:
        raise ValueError("this generator is not class-conditional (model.num_classes=0): it takes no class")
    if class_index is not None:
        if not 0 <= class_index < num_classes:
            raise ValueError(f"class {class_index} is out of range: the generator knows classes 0..{num_classes - 1}")
        if per_class > 0:
            return torch.full((per_class,), class_index, dtype=torch.long)
        return torch.full((n,), class_index, dtype=torch.long)
    return torch.arange(num_classes).repeat_interleave(per_class)
