"""The GAN objective of Goodfellow et al. (2014) as binary cross-entropy on logits.

D maximises log D(x) + log(1 - D(G(z))); G maximises log D(G(z)) (the non-saturating
form used in practice). With D(x) = sigmoid(l): -log sigmoid(l) = softplus(-l) and
-log(1 - sigmoid(l)) = softplus(l), which stay finite for any logit. Computed in float32.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    return F.softplus(-real_logits.float()).mean() + F.softplus(fake_logits.float()).mean()


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    return F.softplus(-fake_logits.float()).mean()


def classification_loss(class_logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """AC-GAN's auxiliary term (models/conditional.py): cross-entropy of the class logits (N, K)
    against labels (N,), in float32. D minimises it on real and fake images, G on its fakes."""
    return F.cross_entropy(class_logits.float(), labels.long())
