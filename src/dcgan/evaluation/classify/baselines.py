"""The paper's §5 baselines that are feature maps: raw pixels, and random filters.

- Raw pixels: the image in the model's [-1, 1] range, flattened (C * H * W features).
- Random filters: the same discriminator architecture with its initial N(0, 0.02) weights (§4),
  never trained, through the very same extraction (population BatchNorm statistics, 4 x 4 max
  pooling of every layer). The paper shows its filters in Figure 5 as the untrained reference;
  ``dcgan explore guided`` builds that reference with the same ``random_discriminator``.
The K-means baseline is in ``kmeans.py``, the supervised CNN in ``cnn.py``.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from torch import nn

from dcgan.config import ModelConfig
from dcgan.data.types import to_model_range
from dcgan.evaluation.classify.features import as_uint8_images
from dcgan.models.registry import build_models


class PixelFeatures(TransformerMixin, BaseEstimator):
    """uint8 images (N, C, H, W) -> float32 (N, C*H*W) in [-1, 1]."""

    def fit(self, X, y=None):
        self.n_features_out_ = int(np.prod(as_uint8_images(X).shape[1:]))
        return self

    def transform(self, X) -> np.ndarray:
        return to_model_range(as_uint8_images(X)).flatten(1).numpy()


def random_discriminator(model_cfg: ModelConfig, seed: int = 0, device: str | torch.device = "cpu") -> nn.Module:
    """An untrained discriminator of the checkpoint's architecture, initialised as in §4 from
    ``seed`` (the D that ``build_models(model_cfg, seed)`` makes), in eval mode on ``device``: the
    "random filters" of the §5 classification table and of Figure 5 (``dcgan explore guided``)."""
    return build_models(model_cfg, seed=seed)[1].to(device).eval()
